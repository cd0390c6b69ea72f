/* Health Connector payment-help chat widget: one <script> tag, no framework, text-only rendering.
 *
 * Embed:  <script src="https://CHAT-HOST/chat/widget.js" defer></script>
 * Options (data- attributes on the script tag):
 *   data-locale="en|es"   starting language (default: the browser's language)
 *   data-mode="launcher"  a "Chat with us" button that opens a panel (default)
 *   data-mode="inline"    the chat drawn inside the element named by data-target
 * Everything the visitor or the assistant wrote is inserted with textContent / text nodes,
 * never as HTML. All wording comes from the server (GET /chat/api/strings) in the chosen locale.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__hcChatLoaded) {
    return;
  }
  window.__hcChatLoaded = true;

  var API = new URL(script.src, document.baseURI).origin + "/chat/api";
  var CSS = new URL("static/widget.css", new URL(script.src, document.baseURI)).href;
  var LOCALES = ["en", "es"];
  // Last resort when even the wording cannot be fetched: the server is unreachable.
  var OFFLINE =
    "The chat is not available right now. Please call 1-877-623-6765. / " +
    "El chat no está disponible ahora. Llame al 1-877-623-6765.";

  var mode = script.getAttribute("data-mode") || "launcher";
  var locale = pickLocale(script.getAttribute("data-locale") || navigator.language);
  var strings = null;
  var maxChars = 500;
  var busy = false;
  var onlyIntro = true;
  var uid = "hc" + Math.random().toString(36).slice(2, 8);

  function pickLocale(value) {
    var lang = String(value || "en").toLowerCase().split(/[-_]/)[0];
    return LOCALES.indexOf(lang) >= 0 ? lang : "en";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // ------------------------------------------------------------------ the DOM, in a shadow root

  var target = mode !== "launcher" && document.getElementById(script.getAttribute("data-target") || "");
  var host = target || document.body.appendChild(el("div", { id: "hc-chat-widget" }));
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("link", { rel: "stylesheet", href: CSS }));

  var launcher = null;
  var panel = el("section", {
    class: "hc-chat hc-mode-" + mode,
    "aria-labelledby": uid + "-title",
    lang: locale,
  });
  var header = el("div", { class: "hc-header" });
  var title = el(mode === "page" ? "h1" : "h2", { id: uid + "-title", class: "hc-title" });
  var subtitle = el("p", { class: "hc-subtitle" });
  var titles = el("div", { class: "hc-titles" });
  titles.appendChild(title);
  titles.appendChild(subtitle);
  var langButton = el("button", { type: "button", class: "hc-lang" });
  header.appendChild(titles);
  header.appendChild(langButton);
  var closeButton = null;
  if (mode === "launcher") {
    closeButton = el("button", { type: "button", class: "hc-close" }, "×");
    header.appendChild(closeButton);
  }

  // role=log is a polite live region: screen readers announce each message appended to it.
  var log = el("div", {
    class: "hc-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    tabindex: "0",
  });
  var status = el("p", { class: "hc-status", role: "status", "aria-live": "polite" });
  var form = el("form", { class: "hc-form", novalidate: "" });
  var label = el("label", { for: uid + "-input", class: "hc-label" });
  var row = el("div", { class: "hc-row" });
  var input = el("input", {
    id: uid + "-input",
    class: "hc-input",
    type: "text",
    autocomplete: "off",
    "aria-describedby": uid + "-hint",
    maxlength: String(maxChars),
  });
  var send = el("button", { type: "submit", class: "hc-send" });
  var hint = el("p", { id: uid + "-hint", class: "hc-hint" });
  row.appendChild(input);
  row.appendChild(send);
  form.appendChild(label);
  form.appendChild(row);
  form.appendChild(hint);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);

  if (mode === "launcher") {
    panel.id = uid + "-panel";
    panel.hidden = true;
    launcher = el("button", {
      type: "button",
      class: "hc-launcher",
      "aria-expanded": "false",
      "aria-controls": panel.id,
    });
    root.appendChild(launcher);
    launcher.addEventListener("click", function () {
      setOpen(panel.hidden);
    });
    closeButton.addEventListener("click", function () {
      setOpen(false);
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        setOpen(false);
      }
    });
  }
  root.appendChild(panel);

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      input.focus();
    } else {
      launcher.focus();
    }
  }

  // ------------------------------------------------------------------ wording

  function t(key) {
    return (strings && strings[key]) || "";
  }

  function applyStrings() {
    panel.setAttribute("lang", locale);
    title.textContent = t("chat_title");
    subtitle.textContent = t("chat_subtitle");
    var other = locale === "en" ? "es" : "en";
    langButton.textContent = t("chat_other_language");
    langButton.setAttribute("lang", other);
    // The visible name is the accessible name (WCAG 2.5.3); the longer hint is a tooltip.
    langButton.setAttribute("title", t("chat_other_language_hint"));
    log.setAttribute("aria-label", t("chat_log_label"));
    label.textContent = t("chat_input_label");
    input.setAttribute("placeholder", t("chat_placeholder"));
    input.setAttribute("maxlength", String(maxChars));
    hint.textContent = t("chat_input_hint");
    send.textContent = t("chat_send");
    if (closeButton) {
      closeButton.setAttribute("aria-label", t("chat_close"));
    }
    if (launcher) {
      launcher.textContent = t("chat_open");
    }
    if (mode === "page") {
      document.documentElement.lang = locale;
      document.title = t("chat_page_title");
    }
    if (onlyIntro) {
      log.textContent = "";
      addMessage({ text: t("chat_intro"), kind: "bot", buttons: [] });
    }
  }

  function loadStrings(wanted) {
    return fetch(API + "/strings?locale=" + encodeURIComponent(wanted), {
      credentials: "include",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("strings " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        strings = data.strings;
        maxChars = data.max_chars || maxChars;
        locale = data.locale;
        applyStrings();
      });
  }

  // ------------------------------------------------------------------ messages (text only)

  var LINK = /(https:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]|\b1-8\d\d-\d{3}-\d{4}\b)/g;

  // Adds text to `node` as text nodes, turning https:// URLs and toll-free numbers into links.
  function appendText(node, text) {
    var last = 0;
    String(text).replace(LINK, function (match, _group, offset) {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      var href = match.indexOf("https://") === 0 ? match : "tel:+" + match.replace(/\D/g, "");
      var link = el("a", { href: href }, match);
      if (href.indexOf("https://") === 0) {
        link.setAttribute("target", "_blank");
        link.setAttribute("rel", "noopener noreferrer");
      }
      node.appendChild(link);
      last = offset + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(message) {
    var who = message.kind === "user" ? "user" : message.kind === "notice" ? "notice" : "bot";
    var item = el("div", { class: "hc-msg hc-" + who, lang: locale });
    item.appendChild(
      el("span", { class: "hc-sr" }, t(who === "user" ? "chat_you_said" : "chat_assistant_said") + " ")
    );
    var body = el("p", { class: "hc-text" });
    appendText(body, message.text || "");
    item.appendChild(body);
    log.appendChild(item);
    if (message.buttons && message.buttons.length) {
      var group = el("div", { class: "hc-quick", role: "group", "aria-label": t("chat_quick_replies") });
      message.buttons.forEach(function (button) {
        var b = el("button", { type: "button", class: "hc-reply" }, button.title);
        b.addEventListener("click", function () {
          submit(button.payload, button.title);
        });
        group.appendChild(b);
      });
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }

  function clearQuickReplies() {
    Array.prototype.forEach.call(log.querySelectorAll(".hc-quick"), function (group) {
      group.parentNode.removeChild(group);
    });
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    status.textContent = value ? t("chat_typing") : "";
  }

  function submit(text, shown) {
    if (busy) {
      return;
    }
    text = String(text || "").trim();
    if (!text) {
      addMessage({ text: t("chat_empty"), kind: "notice" });
      return;
    }
    if (text.length > maxChars) {
      addMessage({ text: t("chat_too_long"), kind: "notice" });
      return;
    }
    onlyIntro = false;
    clearQuickReplies();
    addMessage({ text: shown || text, kind: "user" });
    input.value = "";
    input.focus();
    setBusy(true);
    fetch(API + "/message", {
      method: "POST",
      credentials: "include",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-HC-Chat": "1" },
      body: JSON.stringify({ message: text, locale: locale }),
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { messages: [{ text: t("chat_unavailable"), kind: "notice" }] };
        });
      })
      .then(function (data) {
        var messages = (data && data.messages) || [];
        if (!messages.length) {
          messages = [{ text: t("chat_unavailable"), kind: "notice" }];
        }
        messages.forEach(addMessage);
      })
      .catch(function () {
        addMessage({ text: t("chat_unavailable") || OFFLINE, kind: "notice" });
      })
      .then(function () {
        setBusy(false);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(input.value);
  });

  langButton.addEventListener("click", function () {
    loadStrings(locale === "en" ? "es" : "en").catch(function () {
      addMessage({ text: t("chat_unavailable") || OFFLINE, kind: "notice" });
    });
  });

  loadStrings(locale).catch(function () {
    strings = null;
    if (launcher) {
      launcher.textContent = "Chat";
    }
    addMessage({ text: OFFLINE, kind: "notice" });
    send.disabled = true;
    input.disabled = true;
  });
})();
