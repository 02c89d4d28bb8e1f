"""The package version, in one place: pyproject.toml, `gradio_mcp.__version__` and the
User-Agent of every upstream request all read it from here."""

__version__ = "0.2.0.dev0"
