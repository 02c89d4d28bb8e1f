"""How gradio_mcp talks to other hosts: which of them may see a caller's credentials."""

from gradio_mcp.net._credentials import CredentialPolicy, fingerprint, token_fingerprint

__all__ = ["CredentialPolicy", "fingerprint", "token_fingerprint"]
