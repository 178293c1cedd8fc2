"""Checking template overrides before an incident needs them (``incident-bot config check``).

Every template the bot uses is rendered with sample data (``bot.cli.template_samples``) through the
policy's ``templates_dir``; messages and views are then checked as Slack would take them:
slack_sdk's Block Kit models, at most 50 blocks in a message and 100 in a view, a plain-text
fallback, and no live ``<!channel>`` made of what someone typed. A problem names the file to fix
(the override, or a partial it includes, with the line when Jinja knows it) and what is wrong.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from bot.cli.sample_incidents import MENTION, sample_session
from bot.cli.template_samples import Sample, Samples
from bot.config.policy import Policy
from bot.rendering import BUILTIN_TEMPLATES, Message, Renderer, TemplateProblem

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
FOLDERS = ("messages", "views", "docs")  # the templates the bot renders by name; partials are included


@dataclass(frozen=True)
class Problem:
    file: str  # the file to fix, as a person finds it (or "built-in …")
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


def template_names() -> list[str]:
    """Every template the bot renders by name, as relative paths (messages/announcement.json.j2, …)."""
    return sorted(
        p.relative_to(BUILTIN_TEMPLATES).as_posix()
        for folder in FOLDERS
        for p in (BUILTIN_TEMPLATES / folder).rglob("*.j2")
    )


def overrides(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2") if p.is_file())


def check_templates(policy: Policy) -> list[Problem]:
    """The problems of the templates the policy's ``templates_dir`` overrides (none: all is well)."""
    folder = policy.templates_dir
    if folder is None:
        return []
    known = set(template_names())
    problems = [
        Problem(_shown(folder / name), "is not a template the bot uses, so it changes nothing "
                "(an override keeps the built-in's path, e.g. messages/announcement.json.j2)")
        for name in overrides(folder)
        if name not in known and not name.startswith("partials/")
    ]  # fmt: skip
    renderer = Renderer(folder)
    failed: set[str] = set()  # templates with a problem, and files blamed: each is said once
    with sample_session(policy) as session:
        for sample in Samples(policy, session).all():
            if sample.template in failed:
                continue
            problem = check_sample(renderer, sample, folder)
            if problem is not None:
                failed.add(sample.template)
                if problem.file not in failed:
                    problems.append(problem)
                    failed.add(problem.file)
    return problems


def check_sample(renderer: Renderer, sample: Sample, folder: Path | None) -> Problem | None:
    try:
        rendered = sample.render(renderer)
    except Exception as exc:  # a user's template can fail in any way: each is reported, none hidden
        file, failure = _failure(exc, sample.template)
        return Problem(_file(file, folder), f"{failure} (sample: {sample.variant})")
    what: str | None = None
    if isinstance(rendered, Message):
        what = slack_message_problem(rendered.as_kwargs())
    elif isinstance(rendered, dict):
        what = slack_view_problem(rendered)
    if what is None:
        return None
    return Problem(_file(sample.template, folder), f"{what} (sample: {sample.variant})")


def slack_message_problem(message: dict[str, Any]) -> str | None:
    text, blocks = message.get("text"), message.get("blocks") or []
    if not isinstance(text, str) or not text.strip():
        return "the message has no plain-text 'text' (Slack shows it in notifications)"
    if not isinstance(blocks, list):
        return "'blocks' must be a list"
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        return f"{len(blocks)} blocks; Slack takes at most {MAX_MESSAGE_BLOCKS} in a message"
    return _blocks_problem(blocks) or _live_mention([text, *_mrkdwn(blocks)])


def slack_view_problem(view: dict[str, Any]) -> str | None:
    from slack_sdk.models.views import View

    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return "a view needs a list of 'blocks'"
    if len(blocks) > MAX_VIEW_BLOCKS:
        return f"{len(blocks)} blocks; Slack takes at most {MAX_VIEW_BLOCKS} in a view"
    try:
        View(**view).to_dict()  # to_dict validates the view and everything in it
    except Exception as exc:  # slack_sdk's own words on what Slack would refuse
        return f"the view: {exc}"
    return _blocks_problem(blocks) or _live_mention(_mrkdwn(blocks))


def _blocks_problem(blocks: list[Any]) -> str | None:
    from slack_sdk.models.blocks import Block

    for n, block in enumerate(blocks, 1):
        if not isinstance(block, dict):
            return f"block {n} is not an object"
        try:
            parsed = Block.parse(block)
            if parsed is None:
                return f"block {n}: {block.get('type')!r} is not a Block Kit block type"
            parsed.to_dict()  # validates the block and its elements
        except Exception as exc:  # slack_sdk's own words on what Slack would refuse
            return f"block {n} ({block.get('type')}): {exc}"
    return None


def _mrkdwn(value: Any) -> list[str]:
    """Every mrkdwn text in ``value`` (plain_text never pings, so it is not looked at)."""
    if isinstance(value, list):
        return [t for item in value for t in _mrkdwn(item)]
    if not isinstance(value, dict):
        return []
    own = [value["text"]] if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str) else []
    return own + [t for v in value.values() if isinstance(v, dict | list) for t in _mrkdwn(v)]


def _live_mention(texts: list[str]) -> str | None:
    if any(MENTION in text for text in texts):
        return (
            f"what someone typed reaches Slack unescaped: a title with {MENTION} would notify the "
            "whole channel; pass it through | mrkdwn"
        )
    return None


def _failure(exc: Exception, template: str) -> tuple[str, str]:
    """(the file to blame, what went wrong) for an exception raised while rendering ``template``."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name or template}:{exc.lineno}", f"syntax error: {exc.message}"
    if isinstance(exc, TemplateProblem):
        what = str(exc).removeprefix(f"{template} ").removeprefix(template)
        if "valid JSON" in what:
            what += " (is every value passed through | j?)"
        return template, what
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else template
    undefined = str(exc) if isinstance(exc, jinja2.UndefinedError) else _undefined_in(exc)
    if undefined:
        return where, f"{undefined} (docs/templates.md lists what each template gets)"
    return where, f"{type(exc).__name__}: {exc}"


def _undefined_in(exc: BaseException) -> str | None:
    """What was undefined, when an undefined value reached a filter (``{{ i.titel | j }}``)."""
    tb = exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, jinja2.Undefined):
                return str(value._undefined_message)
        tb = tb.tb_next
    return None


def _file(name: str, folder: Path | None) -> str:
    """A template file as a person finds it: the override's path, or "built-in <name>"."""
    path, _, line = name.partition(":")
    suffix = f":{line}" if line else ""
    candidate = Path(path)
    if candidate.is_absolute():
        if candidate.is_relative_to(BUILTIN_TEMPLATES):
            return f"built-in {candidate.relative_to(BUILTIN_TEMPLATES).as_posix()}{suffix}"
        return _shown(candidate) + suffix
    if folder is not None and (folder / path).is_file():
        return _shown(folder / path) + suffix
    return f"built-in {path}{suffix}"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
