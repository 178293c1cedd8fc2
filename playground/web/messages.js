// One message as DOM: avatar, author, time, text or blocks, reactions, thread link, and the
// hover tools (📌, reply in thread, add to the incident timeline).

import { renderBlocks } from "./blocks.js";
import { make } from "./elements.js";
import { clockTime, emoji, escapeHtml, mrkdwn } from "./mrkdwn.js";

const COLOURS = ["#e01e5a", "#2eb67d", "#ecb22e", "#36c5f0", "#4a154b", "#1264a3", "#e8912d", "#7c3085"];

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("") || "?";
}

function colour(id) {
  let hash = 0;
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length];
}

function author(msg, ctx) {
  if (msg.bot_id || msg.user === ctx.bot) return { id: ctx.bot, name: "Incident Bot", bot: true };
  const user = ctx.users[msg.user] || { real_name: msg.user || "someone" };
  return { id: msg.user || "", name: user.real_name, bot: false };
}

function tool(label, title, onClick) {
  const node = make("button", "tool", label);
  node.type = "button";
  node.title = title;
  node.setAttribute("aria-label", title);
  node.addEventListener("click", onClick);
  return node;
}

function reactions(msg, ctx, opts) {
  const row = make("div", "reactions");
  for (const reaction of msg.reactions || []) {
    const mine = (reaction.users || []).includes(ctx.me);
    const chip = make("button", `reaction${mine ? " mine" : ""}`,
      `${escapeHtml(emoji(reaction.name))} <span class="count">${reaction.count}</span>`);
    chip.type = "button";
    chip.dataset.reaction = reaction.name;
    chip.title = (reaction.users || []).map((u) => (ctx.users[u] || { name: u }).name).join(", ");
    chip.addEventListener("click", () => opts.act({ kind: "react", channel: opts.channel, message_ts: msg.ts, name: reaction.name }));
    row.append(chip);
  }
  return row;
}

// opts: {channel, ephemeral, inThread, act(body), openThread(ts), dismiss(ts)}
export function renderMessage(msg, ctx, opts) {
  const who = author(msg, ctx);
  const node = make("div", `msg${opts.ephemeral ? " ephemeral" : ""}${who.bot ? " from-bot" : ""}`);
  node.dataset.ts = msg.ts;
  const avatar = make("div", "avatar", who.bot ? "🚨" : escapeHtml(initials(who.name)));
  avatar.style.background = who.bot ? "#8b1a1a" : colour(who.id);
  node.append(avatar);
  const main = make("div", "msg-main");
  const head = make("div", "msg-head");
  head.append(make("span", "author", escapeHtml(who.name)));
  if (who.bot) head.append(make("span", "badge", "APP"));
  const time = make("time", "msg-time", escapeHtml(clockTime(Number(msg.ts), ctx.tz)));
  time.title = new Date(Number(msg.ts) * 1000).toISOString();
  head.append(time);
  if (msg.edited) head.append(make("span", "edited", "(edited)"));
  main.append(head);
  if (opts.ephemeral) {
    const only = make("div", "only-you", "👁 Only visible to you ");
    const dismiss = make("a", "dismiss", "Dismiss");
    dismiss.href = "#";
    dismiss.addEventListener("click", (event) => { event.preventDefault(); opts.dismiss(msg.ts); });
    only.append(dismiss);
    main.append(only);
  }
  if (msg.blocks && msg.blocks.length) {
    const where = {
      press: (action) => opts.act({
        kind: "press", channel: opts.channel, message_ts: msg.ts, ephemeral: !!opts.ephemeral, action,
      }),
    };
    main.append(renderBlocks(msg.blocks, ctx, where));
  } else {
    main.append(make("div", "msg-text", mrkdwn(msg.text, ctx)));
  }
  for (const file of msg.files || []) main.append(fileBox(file));
  if (msg.reactions && msg.reactions.length) main.append(reactions(msg, ctx, opts));
  if (!opts.inThread && msg.reply_count) {
    const link = make("a", "thread-link", `💬 ${msg.reply_count} ${msg.reply_count === 1 ? "reply" : "replies"}`);
    link.href = "#";
    link.addEventListener("click", (event) => { event.preventDefault(); opts.openThread(msg.ts); });
    main.append(link);
  }
  node.append(main);
  if (!opts.ephemeral) {
    const tools = make("div", "msg-tools");
    tools.append(tool("📌", "Pin to the incident timeline (📌 reaction)",
      () => opts.act({ kind: "react", channel: opts.channel, message_ts: msg.ts, name: "pushpin" })));
    if (!opts.inThread) tools.append(tool("💬", "Reply in thread", () => opts.openThread(msg.ts)));
    tools.append(tool("⋯", "Add to incident timeline (message shortcut)",
      () => opts.act({ kind: "shortcut", channel: opts.channel, message_ts: msg.ts })));
    node.append(tools);
  }
  return node;
}

// A file the bot uploaded (the postmortem): its name, its first lines, and a link to all of it.
function fileBox(file) {
  const box = make("div", "file");
  const head = make("div", "file-head");
  head.append(make("span", "file-name", `📄 ${escapeHtml(file.title || file.name)}`));
  const open = make("a", "file-open", "Open");
  open.href = file.open;
  open.target = "_blank";
  open.rel = "noopener";
  head.append(open);
  const preview = make("pre", "file-preview");
  preview.textContent = file.preview || "";
  box.append(head, preview);
  return box;
}
