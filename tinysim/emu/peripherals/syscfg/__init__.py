"""System configuration controller models."""
