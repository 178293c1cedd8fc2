// Block Kit layout blocks as DOM: header, section (text, fields, accessory), context, divider,
// actions, image, and input blocks (in modals).
//   where.press(action)         a block_actions from an element (message or modal)
//   where.draft(blockId, aid)   the state a modal input holds now (or undefined)
//   where.change(blockId, aid, state)   a modal input changed
//   where.errors                {block_id: message} under inputs

import { make, renderElement } from "./elements.js";
import { escapeHtml, textObject } from "./mrkdwn.js";

function elementOpts(block, element, where, inInput) {
  const blockId = block.block_id;
  const opts = { blockId, initial: where.draft ? where.draft(blockId, element.action_id) : undefined };
  if (where.change) opts.onChange = (state) => where.change(blockId, element.action_id, state);
  if (!inInput || block.dispatch_action) opts.onAction = (action) => where.press(action);
  return opts;
}

function element(block, el, ctx, where, inInput = false) {
  return renderElement(el, ctx, elementOpts(block, el, where, inInput));
}

function section(block, ctx, where) {
  const node = make("div", "b-section");
  const body = make("div", "b-body");
  if (block.text) body.append(make("div", "b-text", textObject(block.text, ctx)));
  if (block.fields && block.fields.length) {
    const fields = make("div", "b-fields");
    for (const field of block.fields) fields.append(make("div", "b-field", textObject(field, ctx)));
    body.append(fields);
  }
  node.append(body);
  if (block.accessory) {
    const side = make("div", "b-accessory");
    side.append(element(block, block.accessory, ctx, where));
    node.append(side);
  }
  return node;
}

function context(block, ctx) {
  const node = make("div", "b-context");
  for (const el of block.elements || []) {
    if (el.type === "image") node.append(make("span", "image", `🖼 ${escapeHtml(el.alt_text || "")}`));
    else node.append(make("span", "b-context-item", textObject(el, ctx)));
  }
  return node;
}

function actions(block, ctx, where) {
  const node = make("div", "b-actions");
  for (const el of block.elements || []) node.append(element(block, el, ctx, where));
  return node;
}

function input(block, ctx, where) {
  const node = make("div", "b-input");
  node.dataset.blockId = block.block_id || "";
  const label = make("label", "b-label", textObject(block.label, ctx));
  if (block.optional) label.append(make("span", "optional", " (optional)"));
  node.append(label);
  if (block.element) node.append(element(block, block.element, ctx, where, true));
  if (block.hint) node.append(make("div", "b-hint", textObject(block.hint, ctx)));
  const error = where.errors && where.errors[block.block_id];
  if (error) node.append(make("div", "b-error", `⚠ ${escapeHtml(error)}`));
  return node;
}

const LAYOUT = {
  header: (block) => make("div", "b-header", escapeHtml(block.text ? block.text.text : "")),
  section,
  context,
  divider: () => make("hr", "b-divider"),
  actions,
  input,
  image: (block) => make("div", "image", `🖼 ${escapeHtml(block.alt_text || "image")}`),
};

export function renderBlocks(blocks, ctx, where) {
  const node = make("div", "blocks");
  for (const block of blocks || []) {
    const render = LAYOUT[block.type];
    if (render) node.append(render(block, ctx, where));
  }
  return node;
}
