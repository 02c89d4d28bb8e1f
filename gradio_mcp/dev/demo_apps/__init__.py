"""Small deterministic Gradio apps used by gradio_mcp's tests, benchmarks and demo."""
