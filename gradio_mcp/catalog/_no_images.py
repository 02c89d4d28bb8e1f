"""Results without image content, for clients that cannot take images
(`?no_image_content=true`): each image block gives way to the link that comes with it.

Our results put a file's link right after its inlined image, so dropping the image leaves the
link. An image with no link of its own (or a result left empty) gets a line of text saying an
image was left out, so the client still learns that there was one.
"""

from __future__ import annotations

from mcp import types

OMITTED = "[An image was left out: this connection asked for no image content.]"


def without_images(result: types.CallToolResult) -> types.CallToolResult:
    """`result` with its image blocks replaced by their links (or a note)."""
    if not any(isinstance(block, types.ImageContent) for block in result.content):
        return result
    content: list[types.ContentBlock] = []
    blocks = list(result.content)
    for i, block in enumerate(blocks):
        if not isinstance(block, types.ImageContent):
            content.append(block)
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if not isinstance(following, types.ResourceLink):
            content.append(types.TextContent(text=OMITTED))
    return result.model_copy(update={"content": content or [types.TextContent(text=OMITTED)]})
