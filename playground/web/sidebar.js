// The sidebar (people switcher, channels, DMs with the bot), the channel header and the clock.

import { make } from "./elements.js";
import { escapeHtml, formatDate, mrkdwn } from "./mrkdwn.js";

export function renderPeople(select, state) {
  const key = JSON.stringify([state.me, state.people]);
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  select.replaceChildren(...state.people.map((person) => {
    const option = make("option", "", escapeHtml(`${person.real_name} · ${person.title}`));
    option.value = person.id;
    option.selected = person.id === state.me;
    return option;
  }));
}

function item(entry, state, seen) {
  const active = state.channel && entry.id === state.channel.id;
  const unread = !active && entry.latest && entry.latest > (seen[entry.id] || "");
  const node = make("a", `ch${active ? " active" : ""}${unread ? " unread" : ""}${entry.member ? "" : " not-member"}`);
  node.href = "#";
  node.dataset.channel = entry.id;
  const sign = entry.kind === "im" ? "●" : entry.kind === "private" ? "🔒" : "#";
  node.innerHTML = `<span class="sign">${sign}</span>${escapeHtml(entry.name)}`;
  if (entry.archived) node.title = "archived";
  return node;
}

export function renderSidebar(nav, state, seen) {
  const channels = state.sidebar.filter((e) => e.kind !== "im");
  const dms = state.sidebar.filter((e) => e.kind === "im");
  const parts = [make("div", "section-title", "Channels"), ...channels.map((e) => item(e, state, seen))];
  parts.push(make("div", "section-title", "Direct messages"));
  if (dms.length) parts.push(...dms.map((e) => item(e, state, seen)));
  else parts.push(make("div", "empty", "The bot has not written to you yet."));
  nav.replaceChildren(...parts);
}

export function renderHeader(title, topic, state, ctx) {
  const channel = state.channel;
  if (!channel) {
    title.textContent = "";
    topic.textContent = "";
    return;
  }
  const sign = channel.kind === "im" ? "" : channel.kind === "private" ? "🔒 " : "# ";
  title.textContent = `${sign}${channel.name}`;
  const members = `${channel.members.length} member${channel.members.length === 1 ? "" : "s"}`;
  const preview = channel.member || channel.kind === "im" ? "" : " · you are not a member (posting joins)";
  topic.innerHTML = `${channel.topic ? mrkdwn(channel.topic, ctx) + " · " : ""}${members}${escapeHtml(preview)}`;
}

export function renderClock(node, state, ctx) {
  const speed = state.speed && state.speed !== 1 ? ` · ${state.speed}× speed` : "";
  node.textContent = `${formatDate(state.now, "{date_short} {time}", ctx)} ${ctx.tz}${speed}`;
}
