"""The dashboard as HTML: a page shell and the class view, rendered on the server.

No template engine, no front-end build, nothing from a CDN: every value is escaped with
`html.escape`, charts are inline SVG drawn here, and the page's only script reads the
Mini App init data (from `Telegram.WebApp` when Telegram's script is there, else from the
URL fragment `#tgWebAppData=...` Telegram opens the page with), sends it in the
`Authorization: tma ...` header to fetch the class view, and sorts and filters tables.
Colours follow Telegram's theme parameters, else the browser's light or dark preference.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from tutor.dashboard import Cell, ClassView, GroupChoice, QuestionStat, Student
from tutor.gaps import GapGroup
from tutor.model import Library

QUESTIONS_SHOWN = 40
QUESTIONS_OPEN = 6


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def percent(part: int | float, whole: int | float = 1) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def heat(value: float | None) -> str:
    """A background for a 0–1 value: red (0) through amber to green (1)."""
    if value is None:
        return ""
    hue = round(120 * max(0.0, min(1.0, value)))
    return f' style="background:hsl({hue} 70% 45% / .35)"'


# ----- the page shell -------------------------------------------------------------------


def shell_html(chat_id: int | None, nonce: str) -> str:
    """The page Telegram opens; it fetches the class view with the init data.

    `nonce` is the Content-Security-Policy nonce of its one script (no other runs)."""
    chat = "" if chat_id is None else str(chat_id)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Class dashboard</title>
<style>{CSS}</style></head>
<body data-chat="{e(chat)}">
<header><h1>Class dashboard</h1><div id="switch"></div></header>
<main id="view"><p class="hint">Loading…</p></main>
<script nonce="{e(nonce)}">{SCRIPT}</script>
</body></html>"""


CSS = """
:root{--bg:#fff;--fg:#1c1c1e;--hint:#6d6d72;--accent:#2481cc;--card:#f1f1f4;--line:#d9d9de}
@media (prefers-color-scheme: dark){:root{--bg:#17212b;--fg:#f5f5f5;--hint:#8b9ba9;
--accent:#5eb5f7;--card:#232e3c;--line:#31404f}}
*{box-sizing:border-box}
body{margin:0;padding:12px;background:var(--bg);color:var(--fg);
font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px}
h1{font-size:20px;margin:0 0 8px}h2{font-size:17px;margin:20px 0 8px}
.hint{color:var(--hint);font-size:13px}
section{background:var(--card);border-radius:12px;padding:10px 12px;margin:12px 0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 6px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:var(--card)}
th{cursor:pointer;color:var(--hint);font-weight:600;user-select:none}
th.sorted::after{content:" ▾"}
td.name{max-width:130px;overflow:hidden;text-overflow:ellipsis}
.grid td{min-width:48px}
.mem{display:none}.show-mem .mem{display:inline}.show-mem .acc{display:none}
.hidden{display:none}
select,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);
border-radius:8px;padding:4px 8px;max-width:100%}
.controls{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(110px,1fr));gap:8px}
.kpi{background:var(--bg);border-radius:10px;padding:8px}
.kpi b{display:block;font-size:20px}
.q{border-top:1px solid var(--line);padding:8px 0}
.q p{margin:2px 0}
.wrong{color:#d9534f}.right{color:#2e9e4f}
pre{background:var(--bg);border-radius:8px;padding:8px;overflow-x:auto;font-size:12px;
white-space:pre-wrap;word-break:break-word}
svg{width:100%;max-width:520px;height:auto;display:block}
details summary{cursor:pointer;color:var(--accent);padding:6px 0}
svg text{fill:var(--hint);font-size:10px}
.bar{fill:var(--accent)}.bar-wrong{fill:#d9534f}.bar-right{fill:#2e9e4f}
.lineplot{stroke:var(--accent);fill:none;stroke-width:2}
ul{margin:4px 0;padding-left:18px}
"""

SCRIPT = r"""
(function(){
  var body = document.body;
  function fragmentParams(){ return new URLSearchParams(location.hash.slice(1)); }
  function initData(){
    var tg = window.Telegram && window.Telegram.WebApp;
    if (tg && tg.initData) return tg.initData;
    var stored = sessionStorage.getItem('tgWebAppData');
    var fromHash = fragmentParams().get('tgWebAppData');
    if (fromHash) { sessionStorage.setItem('tgWebAppData', fromHash); return fromHash; }
    return stored || '';
  }
  function applyTheme(){
    var raw = fragmentParams().get('tgWebAppThemeParams');
    if (!raw) return;
    try {
      var theme = JSON.parse(raw), root = document.documentElement.style;
      var map = {bg_color:'--bg', text_color:'--fg', hint_color:'--hint',
                 button_color:'--accent', secondary_bg_color:'--card'};
      for (var key in map) if (/^#[0-9a-fA-F]{3,8}$/.test(theme[key] || '')) root.setProperty(map[key], theme[key]);
    } catch (error) {}
  }
  function load(chat){
    var view = document.getElementById('view');
    var url = '/dashboard/view' + (chat ? '?chat=' + encodeURIComponent(chat) : '');
    fetch(url, {headers: {'Authorization': 'tma ' + initData()}, credentials: 'same-origin'})
      .then(function(response){ return response.text().then(function(text){
        view.innerHTML = text; view.dataset.status = response.status; wire(); }); })
      .catch(function(){ view.innerHTML = '<p class="hint">Could not reach the bot. Try again.</p>'; });
  }
  function sortTable(table, column){
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var numeric = column > 0;
    var down = table.dataset.sorted == column && table.dataset.dir != 'up';
    rows.sort(function(a, b){
      var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v;
      if (numeric) { x = parseFloat(x); y = parseFloat(y); x = isNaN(x) ? -1 : x; y = isNaN(y) ? -1 : y; }
      var order = x < y ? -1 : x > y ? 1 : 0;
      return down ? order : -order;
    });
    rows.forEach(function(row){ table.tBodies[0].appendChild(row); });
    table.dataset.sorted = column; table.dataset.dir = down ? 'up' : 'down';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th, i){
      th.classList.toggle('sorted', i == column); });
  }
  function wire(){
    document.querySelectorAll('table.sortable').forEach(function(table){
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th, i){
        th.onclick = function(){ sortTable(table, i); }; });
    });
    var measure = document.getElementById('measure');
    if (measure) measure.onchange = function(){
      document.getElementById('grid').classList.toggle('show-mem', measure.value == 'memory'); };
    var topic = document.getElementById('topic');
    if (topic) topic.onchange = function(){
      document.querySelectorAll('[data-topic]').forEach(function(el){
        el.classList.toggle('hidden', topic.value != '' && el.dataset.topic != topic.value); });
    };
    var group = document.getElementById('group');
    if (group) group.onchange = function(){ body.dataset.chat = group.value; load(group.value); };
  }
  applyTheme();
  load(body.dataset.chat);
})();
"""


# ----- the class view -------------------------------------------------------------------


def refusal_html(message: str) -> str:
    return f'<p class="hint" id="refused">{e(message)}</p>'


def view_html(view: ClassView, library: Library, groups: Sequence[GroupChoice]) -> str:
    parts = [
        _switcher(view.chat_id, groups),
        f'<h2 id="title">{e(view.title)}</h2>',
        f'<p class="hint">Updated {e(_when(view.generated_at, view.time_zone))} '
        f"· times in {e(view.time_zone)}</p>",
        _overview(view),
        _grid(view),
        _questions(view.questions, library),
        _gaps(view.gaps, library),
        _rounds(view),
        _pushes(view),
    ]
    return "\n".join(parts)


def _when(at: datetime | None, time_zone: str) -> str:
    if at is None:
        return "never"
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(time_zone)).strftime("%d %b %Y %H:%M")


def _switcher(chat_id: int, groups: Sequence[GroupChoice]) -> str:
    if len(groups) < 2:
        return ""
    options = "".join(
        f'<option value="{g.chat_id}"{" selected" if g.chat_id == chat_id else ""}>'
        f"{e(g.title)}</option>"
        for g in groups
    )
    return f'<label class="controls">Class <select id="group">{options}</select></label>'


def _overview(view: ClassView) -> str:
    answered = sum(s.answered for s in view.students)
    correct = sum(s.correct for s in view.students)
    this_week = view.weeks[-1] if view.weeks else None
    idle = (
        "<ul>"
        + "".join(f'<li data-idle="{s.user_id}">{e(s.name)}</li>' for s in view.idle)
        + "</ul>"
        if view.idle
        else '<p class="hint">Everyone has answered in the last 7 days.</p>'
    )
    return f"""<section id="overview"><div class="kpis">
<div class="kpi"><span class="hint">Students</span><b id="kpi-students">{len(view.students)}</b></div>
<div class="kpi"><span class="hint">Answers</span><b id="kpi-answers">{answered}</b></div>
<div class="kpi"><span class="hint">Right</span><b id="kpi-accuracy">{percent(correct, answered)}</b></div>
<div class="kpi"><span class="hint">Active this week</span>
<b id="kpi-active">{this_week.students if this_week else 0}</b></div></div>
<h2>Answers per week</h2>{_weeks_chart(view)}
<h2>Not answered for a week <span class="hint" id="idle-count">({len(view.idle)})</span></h2>
<div id="idle">{idle}</div></section>"""


def _weeks_chart(view: ClassView) -> str:
    width, height, gap = 360, 90, 4
    most = max((w.answers for w in view.weeks), default=0) or 1
    bar = (width - gap * len(view.weeks)) / max(1, len(view.weeks))
    bars = []
    for n, week in enumerate(view.weeks):
        h = round((height - 20) * week.answers / most)
        x = round(n * (bar + gap), 1)
        bars.append(
            f'<rect class="bar" x="{x}" y="{height - 16 - h}" width="{bar:.1f}" height="{h}">'
            f"<title>Week of {week.starts:%d %b}: {week.answers} answers, "
            f"{week.students} students</title></rect>"
        )
        if n % 3 == 0:
            bars.append(f'<text x="{x}" y="{height - 4}">{week.starts:%d %b}</text>')
    return (
        f'<svg id="weeks-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Answers per week">{"".join(bars)}</svg>'
    )


def _grid(view: ClassView) -> str:
    topic_options = "".join(
        f'<option value="{e(t)}">{e(title)}</option>' for t, title in view.topics
    )
    head = "".join(
        f'<th data-topic="{e(t)}" title="{e(title)}">{e(_short(title, 14))}</th>'
        for t, title in view.topics
    )
    rows = "".join(_student_row(student, view) for student in view.students)
    empty = (
        ""
        if view.students
        else '<p class="hint">No student has answered in this group yet: start a round with /quiz.</p>'
    )
    return f"""<section><h2>Students × topics</h2>
<div class="controls"><select id="measure"><option value="accuracy">Accuracy</option>
<option value="memory">Memory now (FSRS)</option></select>
<select id="topic"><option value="">All topics</option>{topic_options}</select></div>
<p class="hint">Accuracy: share of answers right. Memory: the chance, by spaced repetition,
that the student recalls the topic's questions today. Tap a heading to sort.</p>
<div class="scroll"><table id="grid" class="grid sortable"><thead><tr><th>Student</th>
<th>Answers</th><th>Right</th><th>Streak</th>{head}</tr></thead>
<tbody>{rows}</tbody></table></div>{empty}</section>"""


def _student_row(student: Student, view: ClassView) -> str:
    cells = "".join(
        _cell(student.topics.get(topic_id), topic_id, student.user_id)
        for topic_id, _ in view.topics
    )
    return (
        f'<tr data-student="{student.user_id}"><td class="name" data-v="{e(student.name.casefold())}">'
        f"{e(student.name)}</td>"
        f'<td data-v="{student.answered}" data-k="answered">{student.answered}</td>'
        f'<td data-v="{student.accuracy:.4f}" data-k="accuracy">'
        f"{percent(student.correct, student.answered)}</td>"
        f'<td data-v="{student.streak}" data-k="streak">{_streak(student.streak)}</td>{cells}</tr>'
    )


def _streak(days: int) -> str:
    from tutor.dashboard_queries import STREAK_WINDOW_DAYS

    return f"{days}+" if days >= STREAK_WINDOW_DAYS else str(days)


def _cell(cell: Cell | None, topic_id: str, user_id: int) -> str:
    if cell is None:
        return f'<td data-topic="{e(topic_id)}" data-v="-1">·</td>'
    memory = "–" if cell.retrievability is None else percent(cell.retrievability)
    title = f"{cell.correct}/{cell.answered} right"
    return (
        f'<td data-topic="{e(topic_id)}" data-v="{cell.accuracy:.4f}" '
        f'data-cell="{user_id}:{e(topic_id)}" title="{title}"{heat(cell.accuracy)}>'
        f'<span class="acc">{percent(cell.correct, cell.answered)}</span>'
        f'<span class="mem"{heat(cell.retrievability)}>{memory}</span></td>'
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _questions(questions: Sequence[QuestionStat], library: Library) -> str:
    if not questions:
        body = '<p class="hint">No quiz answers yet.</p>'
    else:
        shown = "".join(_question(q, library) for q in questions[:QUESTIONS_OPEN])
        rest = questions[QUESTIONS_OPEN:QUESTIONS_SHOWN]
        more = "".join(_question(q, library) for q in rest)
        body = shown + (
            f"<details><summary>{len(rest)} more questions</summary>{more}</details>"
            if rest
            else ""
        )
    return f"""<section id="questions"><h2>Questions, hardest first</h2>
<p class="hint">How many answers each question got, how many were right, and every
option's count. The most-chosen wrong option is the class's misconception.</p>{body}</section>"""


def _question(stat: QuestionStat, library: Library) -> str:
    card = library.cards.get(stat.card_id)
    wrong = stat.misconception
    misconception = ""
    if wrong is not None:
        fix = e(card.misconception) if card and card.misconception else ""
        misconception = (
            f'<p class="wrong" data-misconception="{e(stat.question_id)}">Misconception: '
            f"“{e(wrong.text)}” ({wrong.count})</p>"
            f'<p>Card that corrects it: <b data-fix="{e(stat.question_id)}">'
            f"{e(card.title if card else stat.card_id)}</b></p>"
            + (f'<p class="hint">{fix}</p>' if fix else "")
        )
    return f"""<div class="q" data-topic="{e(stat.topic_id)}" data-question="{e(stat.question_id)}">
<p><b>{e(stat.prompt)}</b></p>
<p class="hint"><span data-k="answered">{stat.answered}</span> answers ·
<span data-k="correct">{stat.correct}</span> right ({percent(stat.correct, stat.answered)})</p>
{_options_chart(stat)}{misconception}</div>"""


def _options_chart(stat: QuestionStat) -> str:
    if not stat.options:
        return ""
    width, row = 360, 18
    most = max(option.count for option in stat.options) or 1
    lines = []
    for n, option in enumerate(stat.options):
        y = n * row
        w = round(150 * option.count / most)
        css = "bar-right" if option.correct else "bar-wrong"
        mark = "✓ " if option.correct else ""
        lines.append(
            f'<g data-option="{e(stat.question_id)}:{e(option.text)}" data-count="{option.count}">'
            f'<rect class="{css}" x="200" y="{y + 3}" width="{w}" height="{row - 6}"/>'
            f'<text x="0" y="{y + 13}">{e(mark + _short(option.text, 36))}</text>'
            f'<text x="{204 + w}" y="{y + 13}">{option.count}</text></g>'
        )
    height = row * len(stat.options)
    return f'<svg viewBox="0 0 {width} {height}" role="img">{"".join(lines)}</svg>'


def _gaps(groups: Sequence[GapGroup], library: Library) -> str:
    if not groups:
        body = '<p class="hint">No unanswered questions in the last 90 days.</p>'
    else:
        body = "".join(_gap(group, library) for group in groups)
    return f"""<section id="gaps"><h2>Questions the notes could not answer</h2>
<p class="hint">What students asked that got no card, or got a card they marked
👎 “Not what I asked”, grouped by similarity. Who asked is never stored.</p>{body}</section>"""


def _gap(group: GapGroup, library: Library) -> str:
    nearest = library.cards.get(group.nearest_card_id or "")
    wordings = "".join(f"<li>{e(q)}</li>" for q in group.questions[:5])
    rejected = ", ".join(
        e(library.cards[c].title) for c in group.rejected_card_ids if c in library.cards
    )
    return f"""<div class="q" data-gap="{e(group.questions[0])}">
<p><b data-k="count">{group.count}</b>× <span data-k="question">{e(group.questions[0])}</span>
{f'<span class="hint">(👎 {group.not_wanted} on: {rejected})</span>' if group.not_wanted else ""}</p>
<ul>{wordings}</ul>
<p class="hint">{_nearest_label(group)}: <span data-k="nearest">{e(nearest.title) if nearest else "none"}</span></p>
<pre data-k="yaml">{e(group.yaml)}</pre></div>"""


def _nearest_label(group: GapGroup) -> str:
    if not group.opened:
        return "Nearest card"
    times = "once" if group.opened == 1 else f"{group.opened} times"
    return f"Opened from the closest notes ({times})"


def _rounds(view: ClassView) -> str:
    if not view.rounds:
        return (
            '<section id="rounds"><h2>Quiz rounds</h2><p class="hint">No rounds yet.</p></section>'
        )
    rows = "".join(
        f'<tr data-round="{n}"><td data-v="{r.started_at.isoformat()}">'
        f"{e(_when(r.started_at, view.time_zone))}</td>"
        f'<td data-v="{r.questions}">{r.questions}</td><td data-v="{r.students}">{r.students}</td>'
        f'<td data-v="{r.answers}">{r.answers}</td>'
        f'<td data-v="{r.correct / r.answers if r.answers else 0:.4f}">'
        f"{percent(r.correct, r.answers)}</td><td>{e(r.status)}</td></tr>"
        for n, r in enumerate(view.rounds)
    )
    return f"""<section id="rounds"><h2>Quiz rounds</h2>{_rounds_chart(view)}
<div class="scroll"><table class="sortable"><thead><tr><th>Started</th><th>Questions</th>
<th>Students</th><th>Answers</th><th>Right</th><th>Status</th></tr></thead>
<tbody>{rows}</tbody></table></div></section>"""


def _rounds_chart(view: ClassView) -> str:
    done = [r for r in reversed(view.rounds) if r.answers]
    if len(done) < 2:
        return ""
    width, height = 360, 60
    step = width / (len(done) - 1)
    points = " ".join(
        f"{round(n * step, 1)},{round(height - 4 - (height - 8) * r.correct / r.answers, 1)}"
        for n, r in enumerate(done)
    )
    return (
        f'<svg id="rounds-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Share right per round"><polyline class="lineplot" points="{points}"/></svg>'
    )


def _pushes(view: ClassView) -> str:
    if not view.pushes:
        return (
            '<section id="pushes"><h2>Daily quiz</h2><p class="hint">No daily quiz sent to this '
            "group yet (admins: /daily HH:MM in the group).</p></section>"
        )
    rows = "".join(
        f'<tr data-push="{p.local_date.isoformat()}"><td data-v="{p.local_date.isoformat()}">'
        f"{p.local_date:%a %d %b}</td><td>{e(p.status)}</td>"
        f'<td data-v="{p.students}">{p.students}</td><td data-v="{p.answers}">{p.answers}</td>'
        f'<td data-v="{p.correct / p.answers if p.answers else 0:.4f}">'
        f"{percent(p.correct, p.answers)}</td></tr>"
        for p in view.pushes
    )
    return f"""<section id="pushes"><h2>Daily quiz</h2>
<div class="scroll"><table class="sortable"><thead><tr><th>Day</th><th>Sent</th>
<th>Students</th><th>Answers</th><th>Right</th></tr></thead>
<tbody>{rows}</tbody></table></div></section>"""
