// The person's open modal as an overlay: title, blocks with inputs, field errors, Cancel / Submit.
// What is typed is kept as a draft per view (like Slack, across the bot's views.update), and
// re-rendering happens only when the view, its hash or its errors change.

import { renderBlocks } from "./blocks.js";
import { initialState, make } from "./elements.js";
import { escapeHtml } from "./mrkdwn.js";

const REQUIRED = "Please complete this required field.";

function empty(state) {
  if (!state) return true;
  const value = state.value ?? state.selected_option ?? state.selected_user ?? state.selected_date
    ?? state.selected_time ?? state.selected_users ?? state.selected_options;
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

export class ModalView {
  constructor(root, act) {
    this.root = root;
    this.act = act;
    this.key = null;
    this.viewId = null;
    this.drafts = {};
    this.localErrors = {};
    this.banner = "";
    this.busy = false;
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.view) this.close();
    });
  }

  render(modal, ctx) {
    if (!modal) {
      this.view = null;
      this.key = null;
      this.root.hidden = true;
      this.root.replaceChildren();
      return;
    }
    const view = modal.view;
    if (view.id !== this.viewId) {
      this.viewId = view.id;
      this.drafts = {};
      this.localErrors = {};
      this.banner = "";
    }
    const errors = { ...modal.errors, ...this.localErrors };
    const key = JSON.stringify([view.id, view.hash, errors, this.banner, this.busy]);
    if (key === this.key) return;
    this.key = key;
    this.view = view;
    this.root.replaceChildren(this.build(view, modal, errors, ctx));
    this.root.hidden = false;
  }

  build(view, modal, errors, ctx) {
    const box = make("div", "modal");
    box.setAttribute("role", "dialog");
    box.dataset.callbackId = view.callback_id || "";
    const head = make("div", "modal-head");
    head.append(make("h2", "modal-title", escapeHtml(view.title ? view.title.text : "")));
    const x = make("button", "modal-x", "×");
    x.type = "button";
    x.title = "Close";
    x.addEventListener("click", () => this.close());
    head.append(x);
    box.append(head);
    if (this.banner) box.append(make("div", "modal-banner", `⚠ ${escapeHtml(this.banner)}`));
    const where = {
      errors,
      draft: (blockId, actionId) => (this.drafts[blockId] || {})[actionId],
      change: (blockId, actionId, state) => {
        this.drafts[blockId] = { ...(this.drafts[blockId] || {}), [actionId]: state };
      },
      press: (action) => this.send({ kind: "press", view_id: view.id, action, values: this.values() }),
    };
    const body = make("div", "modal-body");
    body.append(renderBlocks(view.blocks, ctx, where));
    box.append(body);
    const foot = make("div", "modal-foot");
    const cancel = make("button", "btn", escapeHtml(view.close ? view.close.text : (modal.depth > 1 ? "Back" : "Cancel")));
    cancel.type = "button";
    cancel.addEventListener("click", () => this.close());
    foot.append(cancel);
    if (view.submit) {
      const submit = make("button", "btn primary modal-submit", escapeHtml(view.submit.text));
      submit.type = "button";
      submit.disabled = this.busy;
      submit.addEventListener("click", () => this.submit());
      foot.append(submit);
    }
    box.append(foot);
    const backdrop = make("div", "modal-backdrop");
    backdrop.append(box);
    return backdrop;
  }

  // state.values: every input (and actions element) with what it holds now.
  values() {
    const values = {};
    for (const block of (this.view && this.view.blocks) || []) {
      const elements = block.type === "input" ? [block.element]
        : block.type === "actions" ? block.elements || []
          : block.type === "section" && block.accessory ? [block.accessory] : [];
      for (const element of elements) {
        if (!element || !element.action_id) continue;
        const draft = (this.drafts[block.block_id] || {})[element.action_id];
        const state = draft !== undefined ? draft : initialState(element);
        if (state) values[block.block_id] = { ...(values[block.block_id] || {}), [element.action_id]: state };
      }
    }
    return values;
  }

  async send(body) {
    const done = await this.act(body);
    this.banner = done.ok ? "" : done.error;
    this.key = null;
    return done;
  }

  async submit() {
    if (this.busy || !this.view) return;
    const values = this.values();
    this.localErrors = {};
    for (const block of this.view.blocks || []) {
      if (block.type !== "input" || block.optional || !block.element) continue;
      if (empty((values[block.block_id] || {})[block.element.action_id])) this.localErrors[block.block_id] = REQUIRED;
    }
    this.key = null;
    if (Object.keys(this.localErrors).length) {
      this.act(null);
      return;
    }
    this.busy = true;
    try {
      await this.send({ kind: "submit", view_id: this.view.id, values });
    } finally {
      this.busy = false;
      this.key = null;
      this.act(null);
    }
  }

  close() {
    if (this.view) this.send({ kind: "close", view_id: this.view.id });
  }
}
