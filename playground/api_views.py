"""views.open / views.push / views.update / views.publish with trigger-id rules."""

from __future__ import annotations

import copy
from typing import Any

from playground.args import Args, Handler
from playground.errors import SlackError, invalid_arguments
from playground.state import Workspace
from playground.validation import validate_view

_COPIED = ("type", "title", "submit", "close", "blocks", "clear_on_close", "notify_on_close")


def _materialise(ws: Workspace, view: dict[str, Any], view_id: str, **links: Any) -> dict[str, Any]:
    cfg = ws.config
    stored: dict[str, Any] = {"id": view_id, "team_id": cfg.team_id}
    for key in _COPIED:
        if key in view:
            stored[key] = copy.deepcopy(view[key])
    stored.setdefault("clear_on_close", False)
    stored.setdefault("notify_on_close", False)
    stored.update(
        private_metadata=view.get("private_metadata", ""),
        callback_id=view.get("callback_id", ""),
        external_id=view.get("external_id", ""),
        state={"values": {}},
        hash=ws.ids.view_hash(),
        app_id=cfg.app_id,
        app_installed_team_id=cfg.team_id,
        bot_id=cfg.bot_id,
        root_view_id=view_id,
        previous_view_id=None,
    )
    stored.update(links)
    return stored


def _check_external_id(ws: Workspace, view: dict[str, Any], own_id: str | None = None) -> None:
    external_id = view.get("external_id")
    if not external_id:
        return
    for other in ws.views.values():
        if other.get("external_id") == external_id and other["id"] != own_id:
            raise SlackError("duplicate_external_id")


def _open_like(ws: Workspace, a: Args, **links: Any) -> dict[str, Any]:
    trigger_id = a.req_str("trigger_id")
    view = validate_view(a.opt_json("view"), "modal")
    _check_external_id(ws, view)
    ws.consume_trigger(trigger_id)
    view_id = ws.ids.object_id("V")
    stored = _materialise(ws, view, view_id, **links)
    ws.views[view_id] = stored
    return {"ok": True, "view": copy.deepcopy(stored)}


def views_open(ws: Workspace, a: Args) -> dict[str, Any]:
    return _open_like(ws, a)


def views_push(ws: Workspace, a: Args) -> dict[str, Any]:
    return _open_like(ws, a)


def _find_view(ws: Workspace, a: Args) -> dict[str, Any]:
    view_id, external_id = a.opt_str("view_id"), a.opt_str("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("must provide view_id or external_id")
    for stored in ws.views.values():
        if (view_id and stored["id"] == view_id) or (
            external_id and stored.get("external_id") == external_id
        ):
            return stored
    raise SlackError("not_found")


def views_update(ws: Workspace, a: Args) -> dict[str, Any]:
    current = _find_view(ws, a)
    expected = a.opt_str("hash")
    if expected and expected != current["hash"]:
        raise SlackError("hash_conflict")
    view = validate_view(a.opt_json("view"), str(current.get("type", "modal")))
    _check_external_id(ws, view, own_id=current["id"])
    updated = _materialise(
        ws,
        view,
        current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    if not view.get("external_id"):
        updated["external_id"] = current.get("external_id", "")
    ws.views[current["id"]] = updated
    return {"ok": True, "view": copy.deepcopy(updated)}


def views_publish(ws: Workspace, a: Args) -> dict[str, Any]:
    user = ws.user(a.opt_str("user_id"))
    view = validate_view(a.opt_json("view"), "home")
    home_id = f"VHOME{user.id}"
    current = ws.views.get(home_id)
    expected = a.opt_str("hash")
    if current is not None and expected and expected != current["hash"]:
        raise SlackError("hash_conflict")
    stored = _materialise(ws, view, home_id)
    ws.views[home_id] = stored
    return {"ok": True, "view": copy.deepcopy(stored)}


METHODS: dict[str, Handler] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
