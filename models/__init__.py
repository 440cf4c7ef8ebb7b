"""Package data: the shipped default model (``default/``) and its model card (README.md)."""
