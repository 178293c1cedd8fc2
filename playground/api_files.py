"""files.getUploadURLExternal / files.completeUploadExternal and the upload URL they hand out."""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from playground.api_chat import add_to_thread, bot_message
from playground.args import Args, Handler
from playground.errors import SlackError, invalid_arguments
from playground.records import StoredFile
from playground.state import Channel, Workspace


def get_upload_url(ws: Workspace, a: Args) -> dict[str, Any]:
    filename = a.req_str("filename")
    length = a.opt_int("length", 0)
    if length <= 0:
        raise invalid_arguments("must provide a positive length [json-pointer:/length]")
    file = StoredFile(ws.ids.object_id("F"), filename, length, created=time.time())
    ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{ws.config.http_base}/upload/{file.id}", "file_id": file.id}


def store_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Handle the POST to an upload URL; False if the file id was never issued."""
    with ws.lock:
        file = ws.files.get(file_id)
        if file is None or file.completed:
            return False
        file.content = content
        file.uploaded = True
        return True


def file_object(ws: Workspace, file: StoredFile) -> dict[str, Any]:
    mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return {
        "id": file.id,
        "created": int(file.created),
        "timestamp": int(file.created),
        "name": file.name,
        "title": file.title,
        "mimetype": mimetype,
        "filetype": file.name.rsplit(".", 1)[-1] if "." in file.name else "binary",
        "user": ws.config.bot_user_id,
        "size": len(file.content),
        "mode": "hosted",
        "is_external": False,
        "url_private": f"{ws.config.http_base}/files/{file.id}/{file.name}",
        "permalink": f"{ws.config.http_base}/files/{ws.config.team_id}/{file.id}/{file.name}",
        "channels": [file.channel] if file.channel else [],
    }


def _share_target(ws: Workspace, a: Args) -> Channel | None:
    ref = a.opt_str("channel_id") or next(iter(a.csv("channels")), None)
    if ref is None:
        return None
    return ws.member_channel(ref)


def complete_upload(ws: Workspace, a: Args) -> dict[str, Any]:
    items = a.opt_json("files")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise invalid_arguments("must provide an array of {id, title} objects [json-pointer:/files]")
    files: list[StoredFile] = []
    for item in items:
        file = ws.files.get(str(item.get("id", "")))
        if file is None or not file.uploaded or file.completed:
            raise SlackError("file_not_found")
        files.append(file)
    channel = _share_target(ws, a)
    for file, item in zip(files, items, strict=True):
        file.title = str(item.get("title") or file.name)
        file.completed = True
        file.channel = channel.id if channel else None
        file.initial_comment = a.opt_str("initial_comment")
        file.thread_ts = a.opt_str("thread_ts")
    if channel is not None:
        message = bot_message(ws, a.opt_str("initial_comment"), None, None)
        message["files"] = [file_object(ws, f) for f in files]
        message["upload"] = True
        add_to_thread(channel, message, a.opt_str("thread_ts"))
    return {"ok": True, "files": [file_object(ws, f) for f in files]}


def info(ws: Workspace, a: Args) -> dict[str, Any]:
    file = ws.files.get(a.opt_str("file") or "")
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    return {"ok": True, "file": file_object(ws, file)}


METHODS: dict[str, Handler] = {
    "files.info": info,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
