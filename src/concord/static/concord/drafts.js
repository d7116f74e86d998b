// Drafts that survive a lost signal (issue 12). A form marked data-draft="<name>" keeps what is typed
// in it (and a chosen photo, as a Blob) in this browser's IndexedDB. Submitting it sends it with
// fetch; without a network the draft is kept ("queued") and sent when the `online` event says the
// network is back. The server answers a draft (header X-Concord-Draft, see concord/core/drafts.py)
// with JSON for a redirect, the form again with its errors, or 409 with the conflict when the case
// changed meanwhile: the conflict is shown beside the draft, which is not applied and stays here
// until the user sends it again or discards it. Each draft carries a client_token (a UUID made
// here) so the server takes a draft that arrives twice only once.
// Loaded as a file from base.html (core/_drafts.html carries its translated words as data-*): the
// Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.concordDraftsBound) return;
  if (!window.indexedDB || !window.fetch || !window.FormData || !window.Promise) return;
  window.concordDraftsBound = true;

  var WORDS = script.dataset;
  var USER = WORDS.user || "";
  var RETRY_MS = 20000;
  var MAX_AGE_MS = 14 * 24 * 3600 * 1000;  // personal data does not linger on a shared phone
  var controllers = [];
  var retryTimer = null;
  var quiet = false;  // restoring into the form the server sent back with its reasons

  // --- storage -------------------------------------------------------------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open("concord-drafts", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("drafts", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("drafts", mode);
        var result = work(tx.objectStore("drafts"));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function loadDraft(key) { return withStore("readonly", function (s) { return s.get(key); }); }
  function storeDraft(draft) { return withStore("readwrite", function (s) { s.put(draft); }); }
  function dropDraft(key) { return withStore("readwrite", function (s) { s.delete(key); }); }

  function dropOldDrafts() {
    var before = Date.now() - MAX_AGE_MS;
    return withStore("readwrite", function (s) {
      s.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (!cursor) return;
        if (!(cursor.value.savedAt > before)) cursor.delete();
        cursor.continue();
      };
    }).catch(function () {});
  }

  // --- helpers -------------------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function actionUrl(form) {
    return new URL(form.getAttribute("action") || window.location.href, window.location.href);
  }

  function keyOf(form) {
    return USER + "|" + actionUrl(form).pathname + "|" + form.getAttribute("data-draft");
  }

  function kind(el) { return (el.type || "").toLowerCase(); }

  // Saved: every named field the user fills, not the CSRF token nor other hidden inputs unless
  // marked data-draft-keep (the case version the draft was written against).
  function saved(el) {
    if (!el.name || el.disabled || el.name === "client_token") return false;
    var type = kind(el);
    if (type === "password" || type === "submit" || type === "button" || type === "reset" || type === "image") return false;
    if (type === "hidden") return el.hasAttribute("data-draft-keep");
    return true;
  }

  function collect(form) {
    var fields = [];
    var files = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!saved(el)) return;
      var type = kind(el);
      if (type === "file") {
        Array.prototype.forEach.call(el.files || [], function (file) {
          files.push({ name: el.name, file: file, filename: file.name, type: file.type });
        });
      } else if (type === "checkbox" || type === "radio") {
        fields.push({ name: el.name, value: el.value, checked: el.checked });
      } else if (el.tagName === "SELECT" && el.multiple) {
        fields.push({
          name: el.name,
          values: Array.prototype.filter.call(el.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; })
        });
      } else {
        fields.push({ name: el.name, value: el.value, hidden: type === "hidden" });
      }
    });
    return { fields: fields, files: files };
  }

  function restore(form, draft, keepHidden) {
    var seen = {};
    draft.fields.forEach(function (entry) {
      var named = Array.prototype.filter.call(form.elements, function (el) {
        return el.name === entry.name && saved(el);
      });
      if ("checked" in entry) {
        named.forEach(function (el) { if (el.value === entry.value) el.checked = entry.checked; });
      } else if ("values" in entry) {
        named.forEach(function (el) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = entry.values.indexOf(o.value) !== -1; });
        });
      } else {
        var index = seen[entry.name] || 0;
        seen[entry.name] = index + 1;
        var el = named[index];
        if (!el || (entry.hidden && !keepHidden)) return;
        el.value = entry.value;
      }
    });
    var byInput = {};
    (draft.files || []).forEach(function (f) { (byInput[f.name] = byInput[f.name] || []).push(f); });
    Object.keys(byInput).forEach(function (name) {
      var input = form.querySelector('input[type="file"][name="' + name.replace(/"/g, '\\"') + '"]');
      if (!input || !window.DataTransfer) return;
      try {
        var transfer = new DataTransfer();
        byInput[name].forEach(function (f) {
          transfer.items.add(new File([f.file], f.filename, { type: f.type }));
        });
        input.files = transfer.files;
      } catch (e) { /* the photo stays in the draft; the input shows none */ }
    });
  }

  function labelOf(form, el) {
    var label = el.id && form.querySelector('label[for="' + el.id + '"]');
    if (!label) {
      var legend = el.closest("fieldset") && el.closest("fieldset").querySelector("legend");
      label = legend;
    }
    return label ? label.textContent.replace(/\*/g, "").trim() : el.name;
  }

  // What the draft says, as label: value pairs, for the conflict panel.
  function describe(form, draft) {
    var rows = [];
    draft.fields.forEach(function (entry) {
      if (entry.hidden) return;
      var el = Array.prototype.find.call(form.elements, function (e) {
        return e.name === entry.name && (!("checked" in entry) || e.value === entry.value);
      });
      if (!el) return;
      var value = "";
      if ("checked" in entry) {
        if (!entry.checked) return;
        value = "✓";
      } else if ("values" in entry) {
        value = Array.prototype.filter.call(el.options, function (o) { return entry.values.indexOf(o.value) !== -1; })
          .map(function (o) { return o.textContent.trim(); }).join("、");
      } else if (el.tagName === "SELECT") {
        var option = Array.prototype.find.call(el.options, function (o) { return o.value === entry.value; });
        value = option && entry.value ? option.textContent.trim() : "";
      } else {
        value = entry.value.trim();
      }
      if (value) rows.push([labelOf(form, el), value]);
    });
    (draft.files || []).forEach(function (f) { rows.push([f.name, f.filename]); });
    return rows;
  }

  // --- one form ------------------------------------------------------------------------------

  function Controller(form) {
    this.form = form;
    this.key = keyOf(form);
    this.draft = null;
    this.sending = false;
    this.timer = null;
    this.token = form.querySelector('input[name="client_token"]');
    if (!this.token) {
      this.token = document.createElement("input");
      this.token.type = "hidden";
      this.token.name = "client_token";
      form.appendChild(this.token);
    }
    this.token.value = uuid4();
    this.status = document.createElement("div");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("data-testid", "draft-status");
    this.status.className = "alert small py-2";
    this.status.hidden = true;
    form.insertBefore(this.status, form.firstChild);

    var self = this;
    form.addEventListener("input", function () { self.schedule(); });
    form.addEventListener("change", function () { self.schedule(); });
    form.addEventListener("submit", function (event) { self.submit(event); });
    var silently = quiet;
    loadDraft(this.key).then(function (draft) { if (draft) self.restored(draft, silently); });
  }

  Controller.prototype.say = function (text, tone, options) {
    var self = this;
    options = options || {};
    this.status.className = "alert small py-2 alert-" + (tone || "info");
    this.status.textContent = text;
    if (options.link) {
      var a = document.createElement("a");
      a.href = options.link.href;
      a.className = "ms-1";
      a.textContent = options.link.text;
      this.status.appendChild(a);
    }
    if (options.discard) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-danger ms-2";
      button.setAttribute("data-draft-discard", "");
      button.textContent = WORDS.discard;
      button.addEventListener("click", function () { self.discard(); });
      this.status.appendChild(button);
    }
    this.status.hidden = false;
  };

  Controller.prototype.reveal = function () {
    var details = this.form.closest("details");
    if (details) details.open = true;
  };

  Controller.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.save(); }, 250);
  };

  Controller.prototype.save = function (state, submitter) {
    window.clearTimeout(this.timer);
    var snapshot = collect(this.form);
    var previous = this.draft || {};
    this.draft = {
      key: this.key,
      token: this.token.value,
      url: actionUrl(this.form).href,
      fields: snapshot.fields,
      files: snapshot.files,
      savedAt: Date.now(),
      state: state || previous.state || "editing",
      submitter: submitter !== undefined ? submitter : previous.submitter || null
    };
    return storeDraft(this.draft).catch(function () { /* private mode without storage: sent as typed */ });
  };

  Controller.prototype.restored = function (draft, silently) {
    this.draft = draft;
    this.token.value = draft.token;
    // After a conflict the user has seen the case as it is now: the draft takes the page's version.
    restore(this.form, draft, draft.state !== "conflict");
    this.reveal();
    if (silently) return;  // the server's reasons beside the fields say what to do
    if (draft.state === "queued") {
      this.say(WORDS.restoredQueued, "warning", { discard: true });
      if (navigator.onLine) this.send();
    } else if (draft.state === "refused") {
      this.say(WORDS.refused, "danger", { discard: true });
    } else if (draft.state === "conflict") {
      this.say(WORDS.conflict, "warning", { discard: true });
    } else {
      var time = new Date(draft.savedAt).toLocaleString(document.documentElement.lang || undefined, {
        month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit"
      });
      this.say(WORDS.restored.replace("{time}", time), "info", { discard: true });
    }
  };

  Controller.prototype.discard = function () {
    var self = this;
    dropDraft(this.key).then(function () {
      if (self.form.querySelector("[data-draft-keep]")) {
        // The draft may have carried an older case version: show the case as it is now.
        window.location.reload();
        return;
      }
      self.draft = null;
      self.form.reset();
      self.token.value = uuid4();
      var panel = self.form.parentNode && self.form.parentNode.querySelector("[data-draft-conflict]");
      if (panel) panel.remove();
      self.say(WORDS.discarded, "secondary");
    });
  };

  Controller.prototype.submit = function (event) {
    event.preventDefault();
    if (this.sending) return;
    var sub = event.submitter;
    var submitter = sub && sub.name ? { name: sub.name, value: sub.value } : null;
    var self = this;
    var old = this.form.parentNode && this.form.parentNode.querySelector("[data-draft-conflict]");
    if (old) old.remove();
    this.save("queued", submitter).then(function () { self.send(); });
  };

  Controller.prototype.busy = function (on) {
    this.sending = on;
    Array.prototype.forEach.call(this.form.querySelectorAll("button[type=submit], input[type=submit]"), function (b) {
      b.disabled = on;
    });
  };

  Controller.prototype.send = function () {
    var self = this;
    if (this.sending || !this.draft || this.draft.state !== "queued") return;
    if (!navigator.onLine) {
      this.say(WORDS.savedOffline, "warning", { discard: true });
      return;
    }
    var data = new FormData(this.form);
    if (this.draft.submitter) data.append(this.draft.submitter.name, this.draft.submitter.value);
    this.busy(true);
    this.say(WORDS.sending, "info");
    window.fetch(this.draft.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Concord-Draft": "1", "Accept": "application/json, text/html" }
    }).then(function (response) {
      return self.answered(response);
    }, function () {
      self.busy(false);
      if (!navigator.onLine) {
        self.say(WORDS.savedOffline, "warning", { discard: true });
      } else {
        self.say(WORDS.sendFailed, "warning", { discard: true });
        retrySoon();
      }
    });
  };

  Controller.prototype.mark = function (state) {
    if (!this.draft) return Promise.resolve();
    this.draft.state = state;
    return storeDraft(this.draft).catch(function () {});
  };

  Controller.prototype.answered = function (response) {
    var self = this;
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      return response.json().then(function (body) {
        if (body.status === "done") {
          self.draft = null;
          self.done = true;
          return dropDraft(self.key).then(function () { window.location.assign(body.redirect); });
        }
        if (body.status === "refused") {
          return self.mark("refused").then(function () { window.location.assign(body.redirect); });
        }
        self.busy(false);
        self.say(WORDS.login, "warning", { link: self.signIn() });
      });
    }
    if (response.status === 409) {
      return response.text().then(function (html) { self.conflict(html); });
    }
    if (response.redirected) {  // a sign-in or second-factor page, reached before the view
      self.busy(false);
      self.say(WORDS.login, "warning", { link: self.signIn() });
      return;
    }
    if (response.ok || response.status === 400 || response.status === 422) {
      return response.text().then(function (html) {
        return self.mark("editing").then(function () { swapMain(html); });
      });
    }
    return this.mark("refused").then(function () {
      self.busy(false);
      self.say(WORDS.failed.replace("{status}", String(response.status)), "danger", { discard: true });
    });
  };

  Controller.prototype.signIn = function () {
    return {
      href: WORDS.loginUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search),
      text: WORDS.signIn
    };
  };

  Controller.prototype.conflict = function (html) {
    var self = this;
    this.busy(false);
    this.status.hidden = true;
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var panel = holder.querySelector("[data-draft-conflict]");
    return this.mark("conflict").then(function () {
      if (!panel) {
        self.say(WORDS.conflict, "warning", { discard: true });
        return;
      }
      var list = panel.querySelector("[data-draft-values]");
      if (list) {
        describe(self.form, self.draft).forEach(function (row) {
          var dt = document.createElement("dt");
          dt.className = "col-5";
          dt.textContent = row[0];
          var dd = document.createElement("dd");
          dd.className = "col-7";
          dd.textContent = row[1];
          list.appendChild(dt);
          list.appendChild(dd);
        });
      }
      var discard = panel.querySelector("[data-draft-discard]");
      if (discard) discard.addEventListener("click", function () { self.discard(); });
      self.form.parentNode.insertBefore(panel, self.form);
      self.reveal();
      panel.scrollIntoView({ block: "nearest" });
    });
  };

  // --- the page --------------------------------------------------------------------------------

  // The form again with the server's reasons: the page's <main> takes the answer's, whose form
  // picks the draft up again (marked refused, so it is not sent by itself).
  function swapMain(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var main = document.querySelector("main");
    var next = fresh.querySelector("main");
    if (!main || !next) return;
    main.innerHTML = next.innerHTML;
    if (fresh.title) document.title = fresh.title;
    quiet = true;
    bind(main);
    quiet = false;
    var invalid = main.querySelector(".invalid-feedback, .alert-danger");
    if (invalid) invalid.scrollIntoView({ block: "center" });
  }

  function flush() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    controllers.forEach(function (c) {
      if (document.contains(c.form)) c.send();
    });
  }

  function retrySoon() {
    if (retryTimer === null) retryTimer = window.setTimeout(flush, RETRY_MS);
  }

  function bind(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-draft]"), function (form) {
      if (form.hasAttribute("data-draft-bound")) return;
      form.setAttribute("data-draft-bound", "");
      controllers.push(new Controller(form));
    });
  }

  window.addEventListener("online", flush);
  // Back to a page whose draft was sent, from the browser's cache: show it afresh, empty.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && controllers.some(function (c) { return c.done; })) window.location.reload();
  });
  window.addEventListener("offline", function () {
    controllers.forEach(function (c) {
      if (document.contains(c.form) && c.draft && c.draft.state === "queued" && !c.sending) {
        c.say(WORDS.savedOffline, "warning", { discard: true });
      }
    });
  });
  bind(document);
  dropOldDrafts();
})();
