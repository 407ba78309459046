"""Retrieval: chunking, embedding, the retriever registry (dense FAISS, BM25, hybrid), index build/load/update."""
