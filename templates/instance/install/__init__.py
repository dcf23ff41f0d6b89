"""install phase of the aws-research-wizard instance side (see the README)."""
