"""Labelled-data loading and validation, training, evaluation reports."""
