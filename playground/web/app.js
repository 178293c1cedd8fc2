// The demo page: fetches what the chosen pretend person sees, re-renders on every change the
// server announces (Server-Sent Events), and sends what the person does to /api/act.

import { make } from "./elements.js";
import { renderMessage } from "./messages.js";
import { ModalView } from "./modal.js";
import { escapeHtml, textObject, zoned } from "./mrkdwn.js";
import { renderClock, renderHeader, renderPeople, renderSidebar } from "./sidebar.js";

const $ = (id) => document.getElementById(id);
const app = {
  me: localStorage.getItem("demo.me") || "U0ALICE",
  open: JSON.parse(localStorage.getItem("demo.open") || "{}"),
  seen: {},
  dismissed: new Set(),
  thread: null,
  state: null,
  fetchedAt: 0,
  loading: false,
  again: false,
};
const modal = new ModalView($("modal-root"), act);

function save() {
  localStorage.setItem("demo.me", app.me);
  localStorage.setItem("demo.open", JSON.stringify(app.open));
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const root = $("confirm-root");
    const box = make("div", "modal confirm");
    box.setAttribute("role", "alertdialog");
    box.append(make("h2", "modal-title", escapeHtml(confirm.title ? confirm.title.text : "Are you sure?")));
    box.append(make("div", "modal-body", textObject(confirm.text, context(app.state))));
    const foot = make("div", "modal-foot");
    const answer = (ok) => { root.hidden = true; root.replaceChildren(); resolve(ok); };
    const deny = make("button", "btn", escapeHtml(confirm.deny ? confirm.deny.text : "Cancel"));
    const yes = make("button", `btn ${confirm.style === "danger" ? "danger" : "primary"}`,
      escapeHtml(confirm.confirm ? confirm.confirm.text : "Yes"));
    deny.addEventListener("click", () => answer(false));
    yes.addEventListener("click", () => answer(true));
    foot.append(deny, yes);
    box.append(foot);
    const backdrop = make("div", "modal-backdrop");
    backdrop.append(box);
    root.replaceChildren(backdrop);
    root.hidden = false;
  });
}

function context(state) {
  const me = state.users[state.me] || { tz: "UTC" };
  const humans = Object.entries(state.users)
    .filter(([, u]) => !u.is_bot && !u.deleted)
    .map(([id, u]) => ({ id, name: u.name, real_name: u.real_name }));
  return {
    users: state.users, channelNames: state.channel_names, me: state.me, bot: state.bot,
    tz: me.tz, now: state.now, humans, confirm: confirmDialog,
  };
}

async function act(body) {
  if (!body) {
    if (app.state) render(app.state);
    return { ok: true };
  }
  try {
    const reply = await fetch("/api/act", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: app.me, ...body }),
    });
    const done = await reply.json();
    if (!done.ok && !body.view_id) toast(done.error || "That did not work.");
    refresh();
    return done;
  } catch (error) {
    toast("The demo is not answering. Is it still running?");
    return { ok: false, error: String(error) };
  }
}

async function refresh() {
  if (app.loading) { app.again = true; return; }
  app.loading = true;
  try {
    do {
      app.again = false;
      const [me, wanted] = [app.me, app.open[app.me] || ""];
      const reply = await fetch(`/api/state?${new URLSearchParams({ user: me, channel: wanted })}`);
      const state = reply.ok ? await reply.json() : null;
      if (app.me !== me || (app.open[me] || "") !== wanted) app.again = true; // switched meanwhile
      else if (state) {
        app.fetchedAt = performance.now();
        render(state);
      }
    } while (app.again);
  } catch (error) {
    $("offline").hidden = false;
  } finally {
    app.loading = false;
  }
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// "Today", "Yesterday" or "Friday, December 4th"-like, in the person's time zone.
function dayLabel(seconds, ctx) {
  const z = zoned(seconds, ctx.tz);
  const today = zoned(ctx.now, ctx.tz);
  const days = (Date.UTC(today.year, today.month, today.day) - Date.UTC(z.year, z.month, z.day)) / 86400000;
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return `${WEEKDAYS[new Date(Date.UTC(z.year, z.month, z.day)).getUTCDay()]}, ${MONTHS[z.month]} ${z.day}`;
}

function isTop(msg) {
  return !msg.thread_ts || msg.thread_ts === msg.ts;
}

// Messages whose content did not change keep their DOM (an open picker stays open).
function fill(list, messages, ctx, opts, keepBottom) {
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const before = list.rendered || new Map();
  const after = new Map();
  const nodes = [];
  let lastDay = null;
  for (const [msg, ephemeral] of messages) {
    const day = opts.inThread ? null : dayLabel(Number(msg.ts), ctx);
    if (day && day !== lastDay) { // a divider where the day changes, as Slack draws it
      const dayKey = `day:${day}`;
      const divider = before.get(dayKey) || make("div", "day-divider", `<span>${escapeHtml(day)}</span>`);
      after.set(dayKey, divider);
      nodes.push(divider);
      lastDay = day;
    }
    const key = JSON.stringify([msg, ephemeral, ctx.me, ctx.tz, opts.channel, !!opts.inThread]);
    const node = before.get(key) || renderMessage(msg, ctx, { ...opts, ephemeral });
    after.set(key, node);
    nodes.push(node);
  }
  list.rendered = after;
  const same = nodes.length === list.children.length && nodes.every((node, i) => list.children[i] === node);
  if (!same) list.replaceChildren(...nodes);
  if (nearBottom || keepBottom) list.scrollTop = list.scrollHeight;
}

function render(state) {
  const switched = !app.state || app.state.me !== state.me
    || (app.state.channel && app.state.channel.id) !== (state.channel && state.channel.id);
  app.state = state;
  const ctx = context(state);
  const seen = (app.seen[state.me] = app.seen[state.me] || {});
  const channel = state.channel;
  if (channel) {
    app.open[state.me] = channel.id;
    seen[channel.id] = channel.latest;
  }
  renderPeople($("person"), state);
  renderSidebar($("channels"), state, seen);
  renderHeader($("channel-title"), $("channel-topic"), state, ctx);
  renderClock($("clock"), state, ctx);
  $("composer").placeholder = channel ? `Message ${channel.kind === "im" ? "" : "#"}${channel.name} (or /incident …)` : "";
  $("composer").disabled = !channel; // until the page knows where a message goes: nothing typed is lost
  const opts = {
    channel: channel && channel.id, act, dismiss: (ts) => { app.dismissed.add(ts); render(app.state); },
    openThread: (ts) => { app.thread = ts; render(app.state); },
  };
  const messages = channel ? channel.messages : [];
  const shown = [
    ...messages.filter(isTop).map((m) => [m, false]),
    ...(channel ? channel.ephemerals : []).filter((m) => !app.dismissed.has(m.ts)).map((m) => [m, true]),
  ].sort((a, b) => Number(a[0].ts) - Number(b[0].ts));
  fill($("messages"), shown, ctx, opts, switched);
  const parent = app.thread && messages.find((m) => m.ts === app.thread);
  $("thread").hidden = !parent;
  if (parent) {
    const replies = messages.filter((m) => m.thread_ts === app.thread && m.ts !== app.thread);
    fill($("thread-messages"), [parent, ...replies].map((m) => [m, false]), ctx, { ...opts, inThread: true }, switched);
  }
  modal.render(state.modal, ctx);
  $("offline").hidden = true;
}

function send(textarea, extra) {
  const text = textarea.value.trim();
  if (!text || !app.state || !app.state.channel) return;
  textarea.value = "";
  const channel = app.state.channel.id;
  if (text.startsWith("/") && !extra.thread_ts) act({ kind: "command", channel, text });
  else act({ kind: "message", channel, text, ...extra });
}

function wireComposer(form, textarea, extra) {
  form.addEventListener("submit", (event) => { event.preventDefault(); send(textarea, extra()); });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(textarea, extra()); }
  });
}

function openChannel(id) {
  app.open[app.me] = id;
  app.thread = null;
  save();
  refresh();
}

function start() {
  wireComposer($("composer-form"), $("composer"), () => ({}));
  wireComposer($("thread-form"), $("thread-composer"), () => ({ thread_ts: app.thread }));
  $("thread-close").addEventListener("click", () => { app.thread = null; render(app.state); });
  $("fire-alert").addEventListener("click", () => act({ kind: "alert", urgency: "low" }));
  $("fire-alert-high").addEventListener("click", () => act({ kind: "alert", urgency: "high" }));
  $("person").addEventListener("change", (event) => {
    app.me = event.target.value;
    app.thread = null;
    save();
    refresh();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-channel]");
    if (link) { event.preventDefault(); openChannel(link.dataset.channel); return; }
    const hint = event.target.closest("a[data-fill]");
    if (hint) { event.preventDefault(); $("composer").value = hint.dataset.fill; $("composer").focus(); }
  });
  const events = new EventSource("/events");
  events.addEventListener("changed", () => refresh());
  events.addEventListener("error", () => { $("offline").hidden = false; });
  events.addEventListener("open", () => { $("offline").hidden = true; });
  setInterval(() => {
    if (!app.state) return;
    const elapsed = ((performance.now() - app.fetchedAt) / 1000) * (app.state.speed || 1);
    renderClock($("clock"), { ...app.state, now: app.state.now + elapsed }, context(app.state));
  }, 1000);
  // a reload, as in Slack: the open form and the private replies of before are gone
  fetch("/api/act", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: app.me, kind: "reload" }),
  }).catch(() => {}).finally(refresh);
}

start();
