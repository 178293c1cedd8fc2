// Slack's mrkdwn to safe HTML: every character of the text is escaped first; only the markup
// made here (bold, italic, strike, code, quotes, mentions, channel links, dates, links) is HTML.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// Slack sends &, < and > entity-encoded; decode them once before escaping for HTML.
export function decodeEntities(text) {
  return String(text ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const EMOJI = {
  pushpin: "📌", white_check_mark: "✅", eyes: "👀", rotating_light: "🚨", fire: "🔥", warning: "⚠️",
  "+1": "👍", thumbsup: "👍", heavy_check_mark: "✔️", tada: "🎉", memo: "📝", bell: "🔔",
  x: "❌", hourglass: "⌛", alarm_clock: "⏰", pager: "📟", busts_in_silhouette: "👥", calendar: "📅", clock3: "🕒",
};

export function emoji(name) {
  return EMOJI[name] || `:${name}:`;
}

const HOLD = (n) => `\uE000${n}\uE001`;
const HELD = /\uE000(\d+)\uE001/g;

function displayName(ctx, id) {
  const user = ctx.users[id];
  return user ? user.name : id;
}

function mention(ctx, id) {
  const me = id === ctx.me ? " me" : "";
  return `<span class="mention${me}" title="${escapeHtml(id)}">@${escapeHtml(displayName(ctx, id))}</span>`;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function ordinal(n) {
  const tail = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  return `${n}${tail}`;
}

// The calendar parts of a moment in a time zone: {year, month (0-11), day, weekday, hour, minute, second}.
export function zoned(seconds, tz) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: tz || "UTC", year: "numeric", month: "numeric", day: "numeric", weekday: "long",
    hour: "numeric", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  for (const part of format.formatToParts(new Date(seconds * 1000))) parts[part.type] = part.value;
  return {
    year: Number(parts.year), month: Number(parts.month) - 1, day: Number(parts.day),
    weekday: DAYS.indexOf(parts.weekday), hour: Number(parts.hour) % 24,
    minute: Number(parts.minute), second: Number(parts.second),
  };
}

export function clockTime(seconds, tz, withSeconds = false) {
  const z = zoned(seconds, tz);
  const hour = z.hour % 12 === 0 ? 12 : z.hour % 12;
  const sec = withSeconds ? `:${String(z.second).padStart(2, "0")}` : "";
  return `${hour}:${String(z.minute).padStart(2, "0")}${sec} ${z.hour < 12 ? "AM" : "PM"}`;
}

function pretty(seconds, ctx, fallback) {
  const day = (s) => { const z = zoned(s, ctx.tz); return Date.UTC(z.year, z.month, z.day) / 86400000; };
  const diff = day(seconds) - day(ctx.now);
  return { 0: "today", "-1": "yesterday", 1: "tomorrow" }[diff] || fallback;
}

export function formatDate(seconds, format, ctx) {
  const z = zoned(seconds, ctx.tz);
  const pad = (n) => String(n).padStart(2, "0");
  const words = {
    date_num: `${z.year}-${pad(z.month + 1)}-${pad(z.day)}`,
    date: `${MONTHS[z.month]} ${ordinal(z.day)}, ${z.year}`,
    date_short: `${MONTHS[z.month].slice(0, 3)} ${z.day}, ${z.year}`,
    date_long: `${DAYS[z.weekday]}, ${MONTHS[z.month]} ${ordinal(z.day)}, ${z.year}`,
    time: clockTime(seconds, ctx.tz),
    time_secs: clockTime(seconds, ctx.tz, true),
  };
  words.date_pretty = pretty(seconds, ctx, words.date);
  words.date_short_pretty = pretty(seconds, ctx, words.date_short);
  words.date_long_pretty = pretty(seconds, ctx, words.date_long);
  return format.replace(/\{(\w+)\}/g, (all, word) => words[word] ?? all);
}

function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

// One <...> token: user and channel mentions, special mentions, dates, links.
function token(body, ctx) {
  const [head, ...rest] = body.split("|");
  const label = rest.length ? decodeEntities(rest.join("|")) : null;
  if (head.startsWith("@")) return mention(ctx, head.slice(1));
  if (head.startsWith("#")) {
    const id = head.slice(1);
    const name = ctx.channelNames[id] || label || id;
    return `<a href="#" class="channel-link" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
  }
  if (head.startsWith("!date^")) {
    const [, stamp, format, link] = head.split("^");
    const seconds = Number(stamp);
    if (!Number.isFinite(seconds)) return escapeHtml(label ?? "");
    const text = escapeHtml(formatDate(seconds, decodeEntities(format || "{date_short} {time}"), ctx));
    const url = link && safeUrl(decodeEntities(link));
    const when = new Date(seconds * 1000).toISOString();
    return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener" class="date" title="${when}">${text}</a>`
      : `<time class="date" datetime="${when}">${text}</time>`;
  }
  if (head.startsWith("!subteam^")) return `<span class="mention">${escapeHtml(label || "@group")}</span>`;
  if (head.startsWith("!")) return `<span class="mention loud">@${escapeHtml(head.slice(1))}</span>`;
  const url = safeUrl(decodeEntities(head));
  if (url) return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(label ?? url)}</a>`;
  return escapeHtml(`<${decodeEntities(body)}>`);
}

function inline(text, ctx) {
  const held = [];
  const hold = (html) => { held.push(html); return HOLD(held.length - 1); };
  let out = text.replace(/<([^<>\n]+)>/g, (all, body) => hold(token(body, ctx)));
  out = escapeHtml(decodeEntities(out));
  out = out.replace(/`([^`\n]+)`/g, (all, code) => hold(`<code>${code}</code>`));
  out = out.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, "$1<b>$2</b>");
  out = out.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<i>$2</i>");
  out = out.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/g, "$1<s>$2</s>");
  out = out.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
  out = out.replace(/^&gt; ?(.*)$/gm, '<span class="quote">$1</span>');
  for (let i = 0; i < 3 && out.includes("\uE000"); i += 1) out = out.replace(HELD, (all, n) => held[Number(n)]);
  return out.replace(/\n/g, "<br>");
}

// mrkdwn text to HTML. ctx: {users, channelNames, me, tz, now}.
export function mrkdwn(text, ctx) {
  const parts = String(text ?? "").split("```");
  return parts
    .map((part, i) => (i % 2 === 1 && i < parts.length - 1
      ? `<pre>${escapeHtml(decodeEntities(part.replace(/^\n/, "")))}</pre>`
      : inline(part, ctx)))
    .join("");
}

// A text object ({type: plain_text | mrkdwn, text}) to HTML.
export function textObject(obj, ctx) {
  if (!obj) return "";
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, ctx);
  return escapeHtml(obj.text).replace(/\n/g, "<br>");
}
