"""How gradio_mcp talks to other hosts: which of them may see a caller's credentials, and the
process's connection to Redis."""

from gradio_mcp.net._credentials import CredentialPolicy, fingerprint, token_fingerprint
from gradio_mcp.net._redis import RedisConnection, RedisState

__all__ = ["CredentialPolicy", "RedisConnection", "RedisState", "fingerprint", "token_fingerprint"]
