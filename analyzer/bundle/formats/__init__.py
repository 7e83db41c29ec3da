"""Bundle formats, one module per format: where the data is and how it maps into the model."""
