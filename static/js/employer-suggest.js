/*
 * Employer autocomplete on "Which employer is your review about?" (progressive enhancement).
 *
 * Without this script the page is a search form with a results page. With it, the search box
 * becomes an ARIA 1.2 combobox: suggestions from /employers/suggest appear as you type (debounced,
 * stale requests aborted), arrow keys move through them, Enter opens the highlighted one, Escape
 * closes the list. Choosing an employer goes straight to the review form (or, where the form
 * says data-employer-choice, to that address with the employer's slug: My applications).
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 200;
  var MIN_LENGTH = 2;

  function enhance(form) {
    var input = form.querySelector('input[name="q"]');
    var wrapper = input && input.closest(".combobox");
    if (!input || !wrapper || !window.fetch || !window.AbortController) {
      return;
    }
    var suggestUrl = form.getAttribute("data-employer-suggest");
    var newUrl = form.getAttribute("data-employer-new");
    // Another page may reuse the chooser (My applications): where a choice leads, and which
    // step follows adding an employer.
    var choiceUrl = form.getAttribute("data-employer-choice");
    var then = form.getAttribute("data-employer-then");
    var listId = input.id + "-suggestions";

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested employers");
    list.hidden = true;
    wrapper.appendChild(list);

    // Screen readers hear how many suggestions there are, once typing pauses.
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    // The browser's own history dropdown would cover ours.
    input.setAttribute("autocomplete", "off");

    var options = []; // [{element, url}]
    var active = -1;
    var timer = null;
    var controller = null;

    function optionId(index) {
      return input.id + "-option-" + index;
    }

    function setActive(index) {
      if (active >= 0 && options[active]) {
        options[active].element.setAttribute("aria-selected", "false");
        options[active].element.classList.remove("is-active");
      }
      active = index;
      if (active >= 0 && options[active]) {
        var element = options[active].element;
        element.setAttribute("aria-selected", "true");
        element.classList.add("is-active");
        input.setAttribute("aria-activedescendant", element.id);
        if (element.scrollIntoView) {
          element.scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function cancelPending() {
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (controller) {
        controller.abort();
        controller = null;
      }
    }

    function addOption(url, className, parts) {
      var item = document.createElement("li");
      item.id = optionId(options.length);
      item.className = "suggestion " + className;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      parts.forEach(function (part) {
        var span = document.createElement("span");
        span.className = part[0];
        span.textContent = part[1]; // text, never HTML: names come from users
        item.appendChild(span);
      });
      var index = options.length;
      item.addEventListener("mousemove", function () {
        if (active !== index) {
          setActive(index);
        }
      });
      item.addEventListener("click", function () {
        choose(index);
      });
      list.appendChild(item);
      options.push({ element: item, url: url });
    }

    function render(query, results) {
      list.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      results.forEach(function (result) {
        var details = [];
        if (result.industry) details.push(result.industry);
        if (result.country) details.push(result.country);
        details.push(result.reviews + (result.reviews === 1 ? " review" : " reviews"));
        var parts = [["suggestion-name", result.name]];
        if (result.matched_name && result.matched_name !== result.name) {
          parts.push(["suggestion-meta", "Also known as " + result.matched_name]);
        }
        parts.push(["suggestion-meta", details.join(" · ")]);
        addOption(
          choiceUrl ? choiceUrl + encodeURIComponent(result.slug) : result.review_url,
          "",
          parts
        );
      });
      if (newUrl) {
        var addUrl = newUrl + "?name=" + encodeURIComponent(query);
        if (then) addUrl += "&then=" + encodeURIComponent(then);
        addOption(addUrl, "suggestion-new", [
          ["suggestion-name", "Add “" + query + "” as a new employer"],
        ]);
      }
      var count = results.length;
      status.textContent =
        (count === 0
          ? "No employer found with that name. "
          : count + (count === 1 ? " employer found. " : " employers found. ")) +
        "Use the up and down arrow keys to choose.";
      if (document.activeElement === input) {
        open();
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim().replace(/\s+/g, " ");
      cancelPending();
      if (query.length < MIN_LENGTH) {
        close();
        list.textContent = "";
        options = [];
        status.textContent = "";
        return;
      }
      timer = window.setTimeout(function () {
        timer = null;
        controller = new AbortController();
        var signal = controller.signal;
        fetch(suggestUrl + "?q=" + encodeURIComponent(query), {
          signal: signal,
          headers: { Accept: "application/json" },
          // The same answer for everyone: no cookie, so proxies may cache it (see the view).
          credentials: "omit",
        })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.json();
          })
          .then(function (data) {
            if (signal.aborted) return;
            controller = null;
            render(query, data.results || []);
          })
          .catch(function () {
            // Aborted (a newer query is on its way) or offline: the search button still works.
          });
      }, DEBOUNCE_MS);
    }

    function choose(index) {
      var option = options[index];
      if (option) {
        cancelPending();
        window.location.assign(option.url);
      }
    }

    input.addEventListener("input", fetchSuggestions);

    input.addEventListener("keydown", function (event) {
      if (event.isComposing) return; // an input method is still building the word
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (!options.length) return;
          event.preventDefault();
          if (!expanded) {
            open();
            setActive(0);
          } else {
            setActive(active + 1 < options.length ? active + 1 : 0);
          }
          break;
        case "ArrowUp":
          if (!options.length) return;
          event.preventDefault();
          if (!expanded) {
            open();
            setActive(options.length - 1);
          } else {
            setActive(active > 0 ? active - 1 : options.length - 1);
          }
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          // Otherwise the form is submitted: the results page lists the same choices.
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    // Clicking a suggestion must not take focus from the box before the click lands.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    input.addEventListener("blur", function () {
      close();
    });

    input.addEventListener("focus", function () {
      if (options.length && input.value.trim().length >= MIN_LENGTH) {
        open();
      }
    });

    form.addEventListener("submit", function () {
      cancelPending();
      close();
    });
  }

  document.querySelectorAll("form[data-employer-suggest]").forEach(enhance);
})();
