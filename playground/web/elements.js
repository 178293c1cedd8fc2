// Block Kit interactive elements as DOM: buttons, selects, overflow menus, checkboxes, pickers and
// text inputs. Each reports its state the way Slack puts it in state.values ({type, value...}).
//   opts.initial   the state to show (a draft), else the element's initial_* fields
//   opts.onChange  called with the new state (modal drafts)
//   opts.onAction  called with the block_actions action ({action_id, block_id, type, ...state})

import { textObject, escapeHtml } from "./mrkdwn.js";

export function make(tag, className, html) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (html !== undefined) node.innerHTML = html;
  return node;
}

function plain(obj) {
  return obj ? String(obj.text ?? "") : "";
}

function allOptions(element) {
  if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
  return element.options || [];
}

function fire(element, opts, state) {
  if (opts.onChange) opts.onChange(state);
  if (opts.onAction) opts.onAction({ action_id: element.action_id, block_id: opts.blockId, ...state });
}

function button(element, ctx, opts) {
  const node = make("button", `btn ${element.style || ""}`, escapeHtml(plain(element.text)));
  node.type = "button";
  node.dataset.actionId = element.action_id || "";
  node.addEventListener("click", async () => {
    if (element.url) window.open(element.url, "_blank", "noopener");
    if (element.confirm && !(await ctx.confirm(element.confirm))) return;
    const action = { type: "button", text: element.text };
    if (element.value !== undefined) action.value = element.value;
    fire(element, opts, action);
  });
  return node;
}

function optionNode(option, index, selected) {
  const node = make("option", "", escapeHtml(plain(option.text)));
  node.value = String(index);
  node.selected = selected;
  return node;
}

function select(element, ctx, opts) {
  const node = make("select", "select");
  node.dataset.actionId = element.action_id || "";
  const options = allOptions(element);
  const current = opts.initial ? opts.initial.selected_option : element.initial_option;
  const blank = make("option", "", escapeHtml(plain(element.placeholder) || "Select an option"));
  blank.value = "";
  node.append(blank);
  const groups = element.option_groups || [{ options }];
  let index = 0;
  for (const group of groups) {
    const parent = group.label ? make("optgroup") : node;
    if (group.label) { parent.label = plain(group.label); node.append(parent); }
    for (const option of group.options || []) {
      parent.append(optionNode(option, index, !!current && current.value === option.value));
      index += 1;
    }
  }
  node.addEventListener("change", () => {
    const option = node.value === "" ? null : options[Number(node.value)];
    fire(element, opts, { type: element.type, selected_option: option });
  });
  return node;
}

function usersSelect(element, ctx, opts) {
  const multi = element.type === "multi_users_select";
  const node = make("select", multi ? "select multi" : "select");
  node.dataset.actionId = element.action_id || "";
  node.multiple = multi;
  const chosen = opts.initial
    ? (multi ? opts.initial.selected_users : [opts.initial.selected_user])
    : (multi ? element.initial_users : [element.initial_user]);
  if (!multi) {
    const blank = make("option", "", escapeHtml(plain(element.placeholder) || "Select a person"));
    blank.value = "";
    node.append(blank);
  }
  for (const person of ctx.humans) {
    const option = make("option", "", escapeHtml(`${person.real_name} (@${person.name})`));
    option.value = person.id;
    option.selected = (chosen || []).includes(person.id);
    node.append(option);
  }
  node.addEventListener("change", () => {
    const picked = [...node.selectedOptions].map((o) => o.value).filter(Boolean);
    fire(element, opts, multi ? { type: element.type, selected_users: picked }
      : { type: element.type, selected_user: picked[0] || null });
  });
  return node;
}

function overflow(element, ctx, opts) {
  const wrap = make("span", "overflow");
  const toggle = make("button", "btn overflow-toggle", "⋯");
  toggle.type = "button";
  toggle.dataset.actionId = element.action_id || "";
  const menu = make("div", "overflow-menu");
  menu.hidden = true;
  for (const option of element.options || []) {
    const item = make("button", "overflow-item", escapeHtml(plain(option.text)));
    item.type = "button";
    item.addEventListener("click", () => {
      menu.hidden = true;
      fire(element, opts, { type: "overflow", selected_option: option });
    });
    menu.append(item);
  }
  toggle.addEventListener("click", () => { menu.hidden = !menu.hidden; });
  wrap.append(toggle, menu);
  return wrap;
}

function choices(element, ctx, opts) {
  const multi = element.type === "checkboxes" || element.type === "multi_static_select";
  const box = make("div", "choices");
  box.dataset.actionId = element.action_id || "";
  const current = opts.initial
    ? (multi ? opts.initial.selected_options : [opts.initial.selected_option])
    : (multi ? element.initial_options : [element.initial_option]);
  const picked = new Set((current || []).filter(Boolean).map((o) => o.value));
  const name = `${opts.blockId}-${element.action_id}-${Math.random().toString(36).slice(2)}`;
  const inputs = [];
  for (const option of element.options || []) {
    const label = make("label", "choice");
    const input = make("input");
    input.type = multi ? "checkbox" : "radio";
    input.name = name;
    input.value = option.value;
    input.checked = picked.has(option.value);
    inputs.push([input, option]);
    const words = make("span", "", textObject(option.text, ctx));
    if (option.description) words.append(make("small", "", textObject(option.description, ctx)));
    label.append(input, words);
    box.append(label);
  }
  box.addEventListener("change", () => {
    const on = inputs.filter(([input]) => input.checked).map(([, option]) => option);
    fire(element, opts, multi ? { type: element.type, selected_options: on }
      : { type: element.type, selected_option: on[0] || null });
  });
  return box;
}

function picker(element, ctx, opts) {
  const [kind, key, initial] = element.type === "timepicker"
    ? ["time", "selected_time", element.initial_time] : ["date", "selected_date", element.initial_date];
  const node = make("input", "picker");
  node.type = kind;
  node.dataset.actionId = element.action_id || "";
  node.value = (opts.initial ? opts.initial[key] : initial) || "";
  node.addEventListener("change", () => fire(element, opts, { type: element.type, [key]: node.value || null }));
  return node;
}

function textInput(element, ctx, opts) {
  const node = make(element.multiline ? "textarea" : "input", "text-input");
  if (!element.multiline) {
    node.type = { number_input: "number", email_text_input: "email", url_text_input: "url" }[element.type] || "text";
  }
  node.dataset.actionId = element.action_id || "";
  node.placeholder = plain(element.placeholder);
  if (element.max_length) node.maxLength = element.max_length;
  node.value = (opts.initial ? opts.initial.value : element.initial_value) ?? "";
  const state = () => ({ type: element.type, value: node.value === "" ? null : node.value });
  node.addEventListener("input", () => { if (opts.onChange) opts.onChange(state()); });
  if (opts.onAction) node.addEventListener("change", () => opts.onAction({ action_id: element.action_id, block_id: opts.blockId, ...state() }));
  return node;
}

const RENDERERS = {
  button, overflow, checkboxes: choices, radio_buttons: choices, datepicker: picker, timepicker: picker,
  static_select: select, multi_static_select: choices, users_select: usersSelect,
  multi_users_select: usersSelect, plain_text_input: textInput, number_input: textInput,
  email_text_input: textInput, url_text_input: textInput,
};

// The state an element holds before anyone touches it (what Slack sends for an untouched input).
export function initialState(element) {
  const t = element.type;
  if (t === "static_select" || t === "radio_buttons") return { type: t, selected_option: element.initial_option || null };
  if (t === "users_select") return { type: t, selected_user: element.initial_user || null };
  if (t === "multi_users_select") return { type: t, selected_users: element.initial_users || [] };
  if (t === "checkboxes" || t === "multi_static_select") return { type: t, selected_options: element.initial_options || [] };
  if (t === "datepicker") return { type: t, selected_date: element.initial_date || null };
  if (t === "timepicker") return { type: t, selected_time: element.initial_time || null };
  if (RENDERERS[t] === textInput) return { type: t, value: element.initial_value ?? null };
  return null;
}

export function renderElement(element, ctx, opts) {
  const render = RENDERERS[element.type];
  if (render) return render(element, ctx, opts);
  if (element.type === "image") return make("span", "image", `🖼 ${escapeHtml(element.alt_text || "")}`);
  if (element.type === "plain_text" || element.type === "mrkdwn") return make("span", "", textObject(element, ctx));
  return make("span", "unsupported", escapeHtml(`[${element.type}]`));
}
