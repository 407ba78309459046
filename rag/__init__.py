"""Retrieval: chunking, embedding, the FAISS index (build/save/load) and top-k retrieval."""
