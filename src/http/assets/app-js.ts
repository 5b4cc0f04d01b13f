/**
 * The pages' only script, served as /assets/app.js. Everything works without it; with it the
 * chat reply streams in (with a stop button), copy buttons work and cooldowns count down.
 * Plain ES2017 written for the browser, kept as a string so `npm run build` needs no copy step.
 */
export const APP_JS = String.raw`(function () {
  'use strict';

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  // Copy buttons: <button data-copy="element-id" hidden>, shown only when copying can work.
  each('[data-copy]', function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      if (!target) return;
      var text = 'value' in target ? target.value : target.textContent;
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = 'Copied';
      });
    });
  });

  // Confirmation before destructive forms.
  each('form[data-confirm]', function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  // Countdowns: <span data-until="epoch ms">.
  function tick() {
    var now = Date.now();
    each('[data-until]', function (el) {
      var left = Math.max(0, Math.round((Number(el.getAttribute('data-until')) - now) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      el.textContent = left === 0 ? 'any moment' : 'in ' + minutes + ':' + (seconds < 10 ? '0' : '') + seconds;
    });
  }
  if (document.querySelector('[data-until]')) {
    tick();
    setInterval(tick, 1000);
  }

  var form = document.getElementById('chat-form');
  if (!form || !window.fetch || !window.AbortController || !window.TextDecoder) return;
  var turns = document.getElementById('turns');
  var sendButton = document.getElementById('send');
  var stopButton = document.getElementById('stop');
  var controller = null;

  function field(name) {
    return form.elements.namedItem(name);
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function newTurn(prompt) {
    var article = element('article', 'turn');
    article.appendChild(element('p', 'prompt', prompt));
    var reply = element('div', 'reply');
    reply.setAttribute('data-state', 'streaming');
    reply.setAttribute('aria-busy', 'true');
    article.appendChild(reply);
    var empty = document.getElementById('no-turns');
    if (empty) empty.remove();
    turns.appendChild(article);
    return { article: article, reply: reply, text: '' };
  }

  function readEvents(reader, onEvent) {
    var decoder = new TextDecoder();
    var buffer = '';
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split('\n\n');
        buffer = blocks.pop();
        blocks.forEach(function (block) {
          var name = 'message';
          var data = [];
          block.split('\n').forEach(function (line) {
            if (line.indexOf('event:') === 0) name = line.slice(6).trim();
            else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
          });
          if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
        });
        return pump();
      });
    }
    return pump();
  }

  function rememberConversation(id, title) {
    if (!id) return;
    field('conversation_id').value = id;
    var list = document.getElementById('conversation-list');
    var existing = document.querySelector('[data-conversation="' + CSS.escape(id) + '"]');
    if (existing && title) existing.textContent = title;
    if (list && !existing) {
      var item = element('li');
      var link = element('a', '', title || 'New conversation');
      link.href = '/chat?conversation_id=' + encodeURIComponent(id);
      link.setAttribute('data-conversation', id);
      item.appendChild(link);
      list.insertBefore(item, list.firstChild);
      var none = document.getElementById('no-conversations');
      if (none) none.remove();
    }
    if (window.history && window.history.replaceState)
      window.history.replaceState(null, '', '/chat?conversation_id=' + encodeURIComponent(id));
  }

  function finish(turn, state, message) {
    turn.reply.setAttribute('data-state', state);
    turn.reply.removeAttribute('aria-busy');
    if (message) turn.article.appendChild(element('p', 'notice error', message));
    controller = null;
    sendButton.disabled = false;
    stopButton.hidden = true;
  }

  function onDone(turn, data) {
    var pretty = field('pretty');
    if (!pretty || pretty.checked) {
      turn.reply.innerHTML = data.html; // sanitised by the server (renderMarkdown)
      var details = element('details', 'source');
      details.appendChild(element('summary', '', 'Markdown source'));
      details.appendChild(element('pre', 'reply-source', data.reply));
      turn.article.appendChild(details);
    } else {
      turn.reply.textContent = '';
      turn.reply.appendChild(element('pre', 'reply-text reply-source', data.reply));
    }
    turn.article.appendChild(element('p', 'meta', data.meta || ''));
    rememberConversation(data.conversation_id, data.title);
    finish(turn, 'done');
  }

  form.addEventListener('submit', function (event) {
    if (controller) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    var turn = newTurn(String(data.get('prompt') || ''));
    var failed = null;
    controller = new AbortController();
    sendButton.disabled = true;
    stopButton.hidden = false;
    field('prompt').value = '';
    fetch(form.getAttribute('data-stream-url'), {
      method: 'POST',
      body: new URLSearchParams(data),
      headers: { accept: 'text/event-stream', 'x-csrf-token': String(data.get('_csrf') || '') },
      credentials: 'same-origin',
      signal: controller.signal,
    })
      .then(function (response) {
        var type = response.headers.get('content-type') || '';
        if (type.indexOf('text/event-stream') !== 0) {
          return response.json().then(
            function (body) { failed = body.message || 'Request failed (' + response.status + ')'; },
            function () { failed = 'Request failed (' + response.status + ')'; }
          );
        }
        return readEvents(response.body.getReader(), function (name, payload) {
          if (name === 'start') rememberConversation(payload.conversation_id, '');
          else if (name === 'delta') {
            turn.text += payload.text;
            turn.reply.appendChild(document.createTextNode(payload.text));
          } else if (name === 'title') rememberConversation(field('conversation_id').value, payload.title);
          else if (name === 'done') onDone(turn, payload);
          else if (name === 'error') failed = payload.message || 'The reply failed';
        });
      })
      .then(
        function () {
          if (failed) finish(turn, 'error', failed);
          else if (turn.reply.getAttribute('data-state') === 'streaming') finish(turn, 'error', 'The reply ended early');
        },
        function (error) {
          if (error && error.name === 'AbortError') finish(turn, 'stopped');
          else finish(turn, 'error', 'Connection failed');
        }
      );
  });

  stopButton.addEventListener('click', function () {
    if (controller) controller.abort();
  });
})();
`;
