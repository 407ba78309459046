"""LoRA fine-tuning: the training set from the corpus (with its leak guard), training, adapter loading, update strategies."""
