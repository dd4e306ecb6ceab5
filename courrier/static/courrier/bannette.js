/* Small behaviours shared by Bannette's pages, declared with data attributes so that no page
   needs inline event handlers (the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  // <form data-confirm="Question ?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // <select data-fills="target-id">: the chosen option's data-text goes into the target field.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.dataset || !select.dataset.fills || !select.value) return;
    var target = document.getElementById(select.dataset.fills);
    if (target) target.value = select.selectedOptions[0].dataset.text;
  });
  // <button data-fill-target="field-id" data-token="...">: put the token in the field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-fill-target]") : null;
    if (!button) return;
    var target = document.getElementById(button.dataset.fillTarget);
    if (target) target.value = button.dataset.token;
    var ref = target && target.dataset.refField ? document.getElementById(target.dataset.refField) : null;
    if (ref) ref.value = button.dataset.ref || "";
    var details = button.closest("details");
    if (details) details.open = false;
  });
  // <select data-narrows="user-select-id">: the people offered are only those of the chosen
  // entity (their <optgroup data-entity>); no entity chosen offers everyone. The other groups
  // are taken out of the list (a hidden <optgroup> still shows in some browsers' menus).
  function narrow(select) {
    var people = document.getElementById(select.dataset.narrows);
    if (!people) return;
    if (!people._groups) people._groups = Array.prototype.slice.call(people.querySelectorAll("optgroup"));
    var chosen = people.value;
    people._groups.forEach(function (group) { if (group.parentElement === people) people.removeChild(group); });
    people._groups.forEach(function (group) {
      if (!select.value || group.dataset.entity === select.value) people.appendChild(group);
    });
    people.value = Array.prototype.some.call(people.options, function (o) { return o.value === chosen; }) ? chosen : "";
  }
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.dataset && select.dataset.narrows) narrow(select);
  });
  document.querySelectorAll("select[data-narrows]").forEach(narrow);
  // A form with radios name=category and blocks [data-for-kind]: only the chosen kind's
  // blocks show (an outgoing letter's recipient, an internal mail's service).
  function showKind(form) {
    var chosen = form.querySelector("input[name=category]:checked");
    form.querySelectorAll("[data-for-kind]").forEach(function (block) {
      block.hidden = !chosen || block.dataset.forKind !== chosen.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "category" && event.target.form) showKind(event.target.form);
  });
  document.querySelectorAll("form[id=write-form]").forEach(showKind);
  // <input list="options" data-ref-field="hidden-id">: the reference of the option whose text
  // the field reads goes into the hidden field (the person reads a name, never a number).
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.refField || !field.list) return;
    var ref = document.getElementById(field.dataset.refField);
    if (!ref) return;
    var picked = Array.prototype.find.call(field.list.options, function (option) {
      return option.value === field.value;
    });
    ref.value = picked ? picked.dataset.ref : "";
  });
  // [role=tablist] > [role=tab] (WAI-ARIA tabs, activation follows focus): the chosen tab is
  // highlighted and aria-selected, the only one in the Tab order; arrow keys, Home and End move.
  function selectTab(tab) {
    var list = tab.closest("[role=tablist]");
    list.querySelectorAll("[role=tab]").forEach(function (other) {
      var chosen = other === tab;
      other.classList.toggle("active", chosen);
      other.setAttribute("aria-selected", chosen ? "true" : "false");
      other.tabIndex = chosen ? 0 : -1;
    });
    var panel = document.getElementById(tab.getAttribute("aria-controls"));
    if (panel) panel.setAttribute("aria-labelledby", tab.id);
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest ? event.target.closest("[role=tablist] [role=tab]") : null;
    if (tab) selectTab(tab);
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest ? event.target.closest("[role=tablist] [role=tab]") : null;
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var at = tabs.indexOf(tab), next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = tabs[(at + 1) % tabs.length];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = tabs[(at - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.click();
  });
  // A table wider than a phone scrolls within itself: keyboard users reach it with Tab.
  function focusableScrollers() {
    document.querySelectorAll("main table, .table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) box.tabIndex = 0;
    });
  }
  focusableScrollers();
  document.addEventListener("htmx:afterSwap", focusableScrollers);
  window.addEventListener("resize", focusableScrollers);
  // A folded menu section closes when one clicks elsewhere or presses Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  // <input data-pick-filter> in a .pick-list: show only the choices containing the typed words.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.dataset || box.dataset.pickFilter === undefined) return;
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    box.closest(".pick-list").querySelectorAll(".pick-options label").forEach(function (label) {
      var text = label.textContent.toLowerCase();
      label.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  });
  // <div data-release-lock="url" data-held-until="..." data-csrf="...">: the mail's processing
  // lock is given back when the user leaves the page (keepalive outlives the page, like a
  // beacon). The server lets go only of the hold this page saw: a reload has renewed it.
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("[data-release-lock]").forEach(function (holder) {
      var body = new FormData();
      body.append("held_until", holder.dataset.heldUntil);
      fetch(holder.dataset.releaseLock, {
        method: "POST", keepalive: true, credentials: "same-origin", body: body,
        headers: {"X-CSRFToken": holder.dataset.csrf}
      });
    });
  });
})();
