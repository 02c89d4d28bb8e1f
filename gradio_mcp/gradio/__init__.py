"""The Gradio protocol client: run an endpoint over the queue of the space's Gradio (4.0 to
6.x; `protocol_problem` says which ones can be called), with progress and files."""

from gradio_mcp.errors import CallError
from gradio_mcp.gradio._call import CallLimits, SpaceApi, call_endpoint
from gradio_mcp.gradio._downloads import download_file, origin_of
from gradio_mcp.gradio._outputs import CallOutcome, FileRef, OutputValue
from gradio_mcp.gradio._progress import ProgressSink, ProgressUpdate
from gradio_mcp.gradio._protocols import protocol_problem

__all__ = [
    "CallError",
    "CallLimits",
    "CallOutcome",
    "FileRef",
    "OutputValue",
    "ProgressSink",
    "ProgressUpdate",
    "SpaceApi",
    "call_endpoint",
    "download_file",
    "origin_of",
    "protocol_problem",
]
