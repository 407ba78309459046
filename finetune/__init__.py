"""LoRA fine-tuning on the corpus. The fine-tune and hybrid arms arrive with the LoRA issue; the
walking skeleton compares base, rag and oracle only."""
