"""The brief's HTML template (Jinja2, autoescaped): one file, styles inline, no external asset."""

# ruff: noqa: E501  (lines of HTML: breaking them would put stray spaces into the sentences)

from __future__ import annotations

__all__ = ["APPENDIX_IDS", "TEMPLATE"]

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="brinkwatch {{ d.version }}">
<title>brinkwatch brief: {{ d.dyad }}{% if d.first_period %}, {{ d.first_period }} to {{ d.last_period }}{% endif %}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #2c3e50; padding-bottom: 0.2em; margin-top: 2em; }
.meta, .note, .caption { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #f3f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sev-critical { color: #6c0f0f; font-weight: bold; } .sev-high { color: #c0392b; font-weight: bold; }
.sev-medium { color: #e67e22; } .sev-low { color: #7f8c8d; }
.notes { background: #fff8e1; border-left: 4px solid #f1c40f; padding: 0.4em 1em; }
.notes li { margin: 0.2em 0; }
.headline { font-size: 1.05em; }
.sig { font-weight: bold; }
.delta { font-size: 0.85em; white-space: nowrap; }
#comparison-table th { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
.evidence { margin: 0; padding-left: 1.2em; font-size: 0.92em; }
figure { margin: 1em 0; } figure img { max-width: 100%; }
.bottom-line { font-size: 1.08em; margin: 0.4em 0; padding-left: 1.2em; }
.bottom-line li { margin: 0.25em 0; }
header h1 { margin: 0; } header .meta { margin: 0.2em 0 0.4em; }
h2 { margin-top: 1.6em; } #bottom-line h2 { margin-top: 0.4em; }
h3 { margin: 1.2em 0 0.4em; }
table { table-layout: auto; max-width: 100%; }
td, th { overflow-wrap: break-word; }
.scroll { overflow-x: auto; max-width: 100%; }
#summary-figure { margin: 0.4em 0; }
dl.ids { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; font-size: 0.85em; }
dl.ids dt { font-family: ui-monospace, monospace; } dl.ids dd { margin: 0; }
@page { size: auto; margin: 15mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  figure, table, tr, .notes, .bottom-line { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  #appendix, #figures { break-before: page; page-break-before: always; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  figure img { max-width: 100% !important; }
  /* Plotly drew for the screen's column (about 1070 px); the printed column of A4 or Letter
     is about 700 px (A4) to 725 px (Letter), and a drawn SVG does not reflow, so it is scaled to fit. */
  figure .js-plotly-plot { zoom: 0.6; }
}
</style>
{% if plotly_js %}<script>{{ plotly_js }}</script>{% endif %}
</head>
<body>
<header>
<h1>{{ d.dyad | pair }}: brief{% if d.on %} of {{ d.on.strftime("%d %B %Y") }}{% endif %}</h1>
<p class="meta">Data window <span id="window">{{ d.first_period or "no data" }} to {{ d.last_period or "no data" }}</span>; generated {{ d.generated.strftime("%Y-%m-%d %H:%M UTC") }} by brinkwatch {{ d.version }}. Methods, sources and the ids behind every label are in the appendix.</p>
</header>

<section id="bottom-line">
<h2>Bottom line</h2>
<ul class="bottom-line" id="bottom-line-sentences">
{% for s in bottom.sentences %}<li>{{ s }}</li>
{% endfor %}
</ul>
<figure id="summary-figure">{{ figures.summary }}</figure>
</section>

<section id="figures">
<h2>The evidence in figures</h2>
<figure id="index-figure">{{ figures.index }}
<figcaption class="caption">{{ d.measure.measure | measure | capitalize }} of each direction by {{ d.measure.freq }}; dashed lines: change points; triangles: alarms{% if d.measure.frictions is not none %}; purple step line (right axis): frictions in force between the two countries, from the instruments register{% endif %}. The strip below shows the days with data of each source{% if d.measure.coverage | length > 1 %} (grey lanes are not counted in the series){% endif %}.</figcaption></figure>
{% if figures.triad %}<figure id="triad-figure">{{ figures.triad }}
<figcaption class="caption">All six directions of the triad {{ d.explain.actors | map(attribute="country") | map("pair") | join(", ") }}, including both pairs with the United States, on one scale.</figcaption></figure>{% endif %}
{% if figures.timeline %}<figure id="instruments-figure">{{ figures.timeline }}
<figcaption class="caption">Each instrument's states from the register up to {{ d.on }}, one lane each, coloured by friction; hover for the citation.</figcaption></figure>{% endif %}
{% if figures.scenario %}<figure id="scenario-figure">{{ figures.scenario }}
<figcaption class="caption">Agreement states over time, the fan chart of the pair's net cooperation, and each lever's effect with its 95% interval.</figcaption></figure>{% endif %}
</section>

<section id="what-changed">
<h2>Where the relation stands</h2>
{% if not d.measure.headlines %}<p class="note">No events of {{ d.dyad | pair }} in this window.</p>{% endif %}
<div class="scroll"><table id="headlines">
<caption class="caption">Each direction's latest and lowest {{ d.measure.freq }} ({{ d.measure.measure | measure }}; index: standard deviations from the median of the {{ d.measure.baseline }} {{ d.measure.freq }}s before{% if d.measure.history_from %}, data from {{ d.measure.history_from.strftime("%Y-%m") }}{% endif %})</caption>
<tr><th>direction</th><th>latest {{ d.measure.freq }}</th><th>value</th><th>index</th><th>usual level</th><th>lowest {{ d.measure.freq }}</th><th>value</th><th>record</th></tr>
{% for h in d.measure.headlines %}
<tr><td>{{ h.dyad | dyad }}</td><td>{{ h.latest.period }}</td><td class="num" data-dyad="{{ h.dyad }}" data-field="latest-value">{{ h.latest.value | num(".1f") }}</td><td class="num" data-dyad="{{ h.dyad }}" data-field="latest-index">{% if h.latest.index is not none %}{{ h.latest.index | num("+.2f") }}{% else %}n/a{% endif %}</td><td class="num">{{ h.latest.baseline_median | num(".1f") }}</td>
<td>{{ h.lowest.period }}</td><td class="num" data-dyad="{{ h.dyad }}" data-field="lowest-value">{{ h.lowest.value | num(".1f") }}</td><td>{% if h.lowest.record_low %}record low ({{ h.lowest.periods_since }} {{ d.measure.freq }}s of data before it){% elif h.lowest.lowest_since %}lowest since {{ h.lowest.lowest_since }}{% endif %}</td></tr>
{% endfor %}
</table></div>
<div class="scroll"><table id="change-points">
<caption class="caption">Change points: shifts in the mean of the {{ d.measure.measure | measure }} (penalised least squares)</caption>
<tr><th>direction</th><th>from {{ d.measure.freq }}</th><th>mean before</th><th>mean after</th><th>direction of change</th></tr>
{% for h in d.measure.headlines %}{% for c in h.change_points %}
<tr><td>{{ h.dyad | dyad }}</td><td>{{ c.period }}</td><td class="num">{{ c.mean_before | num(".2f") }}</td><td class="num">{{ c.mean_after | num(".2f") }}</td><td>{{ c.direction }}</td></tr>
{% endfor %}{% endfor %}
{% if not d.measure.headlines | map(attribute="change_points") | select | list %}<tr><td colspan="5">No change point in this window.</td></tr>{% endif %}
</table></div>
{{ reader(d.measure_notes) }}
</section>

<section id="alarms">
<h2>Alarms and their evidence</h2>
<p>{{ d.measure.alarms | length }} alarm(s) in the window{% if d.measure.alarms %}: {% for sev, n in severities %}{{ n }} {{ sev }}{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}.</p>
{% if bottom.alarm_groups %}
<div class="scroll"><table id="alarm-kinds">
<caption class="caption">The alarms by kind, most severe first</caption>
<tr><th>alarm</th><th>severity</th><th>{{ d.measure.freq }}s</th><th>directions</th></tr>
{% for g in bottom.alarm_groups %}<tr><td>{{ g.title }}</td><td class="sev-{{ g.severity }}">{{ g.severity }}</td><td>{{ g.periods | join(", ") }}</td><td>{{ g.dyads | map("dyad") | join("; ") }}</td></tr>{% endfor %}
</table></div>
<div class="scroll"><table id="alarm-table">
<tr><th>{{ d.measure.freq }}</th><th>severity</th><th>alarm</th><th>direction</th><th>detail</th><th>evidence</th></tr>
{% for a in d.measure.alarms %}
<tr><td>{{ a.period }}</td><td class="sev-{{ a.severity }}">{{ a.severity }}</td><td>{{ a.title }}</td>
<td>{{ a.dyad | dyad }}</td><td>{{ a.detail | reword }}</td>
<td><ul class="evidence">{% for e in a.evidence %}
<li>{{ e.event_date }} {{ e.source or "?" }}&rarr;{{ e.target or "?" }} CAMEO {{ e.cameo_code }}{% if e.goldstein is not none %} ({{ e.goldstein | num("+.1f") }}){% endif %} [{{ e.origin }}]:
{{ e.text or "" }}{% if e.reference %} &mdash; {% if e.reference | is_url %}<a href="{{ e.reference }}">{{ e.reference }}</a>{% else %}<cite>{{ e.reference }}</cite>{% endif %}{% endif %}</li>
{% else %}<li>(no events attached)</li>{% endfor %}</ul></td></tr>
{% endfor %}
</table></div>
{% else %}<p>No alarm fired for {{ d.dyad | pair }} in this window.</p>{% endif %}
</section>

<section id="instruments">
<h2>Instruments in force on <span id="instruments-date">{{ d.on or "no date" }}</span></h2>
{% set i = d.instruments %}
{% if i is none %}<p class="note">No instruments register was available{% if d.on is none %} (the brief has no date){% endif %}, so the agreements and measures in force are not shown.</p>
{% else %}
<p>{{ i.in_force | length }} instrument(s) of the register <em>{{ i.title }}</em> existed on {{ d.on }}. Friction is the documented weight of each state (0: no friction).</p>
<div class="scroll"><table id="instruments-table">
<tr><th>instrument</th><th>state</th><th>since</th><th>friction</th><th>citation</th></tr>
{% for x in i.in_force %}{% set c = x.citation %}
<tr data-instrument="{{ x.instrument }}"><td>{{ x.instrument | instrument }}<br><span class="note">{{ x.parties | map("pair") | join("-") }}</span></td><td data-field="state">{{ x.state | state }}</td><td>{{ x.since }} <span class="note">({{ x.date_kind }})</span></td><td class="num" data-field="friction">{{ x.weight | num(".1f") }}</td>
<td>{{ c.publisher }}, {{ c.date }}: {% if c.url | is_url %}<a href="{{ c.url }}">&ldquo;{{ c.title }}&rdquo;</a>{% else %}&ldquo;{{ c.title }}&rdquo;{% endif %}{% if c.archive %} [{% if c.archive | is_url %}<a href="{{ c.archive }}">archive</a>{% else %}archive {{ c.archive }}{% endif %}]{% endif %}{% if not c.checked %} <span class="note">(not checked)</span>{% endif %}</td></tr>
{% else %}<tr><td colspan="5">No instrument of the register existed on {{ d.on }}.</td></tr>{% endfor %}
</table></div>
{% endif %}
</section>

<section id="reciprocity">
<h2>Reciprocity in the triad</h2>
{% set x = d.explain %}
{% if x is none %}<p class="note">No triad was given, so no reciprocity was estimated.</p>
{% else %}
<p>Triad {{ x.actors | map(attribute="country") | map("pair") | join(", ") }}: {{ x.measure | measure }} by {{ x.freq }}, {{ x.first or "?" }} to {{ x.last or "?" }} ({{ x.n_periods }} {{ x.freq }}s), all three pairs drawn above;
{% if x.model.insufficient_ %}<strong>no VAR could be fitted</strong>.{% elif not x.model.dynamics_ %}<strong>no dynamics detected</strong>: the lag criterion chooses 0 lags on {{ x.model.nobs_ }} {{ x.freq }}s, so no lagged model was fitted.{% else %}VAR({{ x.model.lag_order_ }}) of {{ x.model.names_ | length }} series ({{ x.model.names_ | map("dyad") | join(", ") }}) on {{ x.model.nobs_ }} {{ x.freq }}s; generalised impulse responses with {{ x.repl }} bootstrap replications.{% endif %}</p>
{{ reader(d.explain_notes) }}
{% if x.reciprocity.lines %}<ul id="reciprocity-findings">{% for line in x.reciprocity.lines %}<li>{{ line | reword }}</li>{% endfor %}</ul>{% endif %}
{% if x.reciprocity.same_period_lines %}<p>Same period (not lagged influence):</p><ul id="same-period">{% for line in x.reciprocity.same_period_lines %}<li>{{ line | reword }}</li>{% endfor %}</ul>{% endif %}
{% if x.reciprocity.disagreements %}<ul id="measure-disagreements" class="note">{% for line in x.reciprocity.disagreements %}<li>{{ line | reword }}</li>{% endfor %}</ul>{% endif %}
{% if x.granger %}
<div class="scroll"><table id="granger-table">
<caption class="caption">Granger causality (F tests; bold: significant at the {{ x.granger[0].alpha }} level after Holm's correction over all {{ x.granger | length }} tests, pairs and blocks)</caption>
<tr><th>causing &rArr; caused</th><th>kind</th><th>F</th><th>df</th><th>p</th><th>p (Holm)</th></tr>
{% for g in x.granger %}
<tr{% if g.significant_holm %} class="sig"{% endif %}><td data-label="{{ g.label }}">{{ g.label | reword }}</td><td>{{ g.kind }}</td><td class="num">{{ g.stat | num(".2f") }}</td><td class="num">{{ g.df_num }}, {{ g.df_denom }}</td><td class="num">{{ g.pvalue | pval }}</td><td class="num">{{ g.pvalue_holm | pval }}</td></tr>
{% endfor %}
</table></div>{% endif %}
{% endif %}
</section>

<section id="scenario">
<h2>Scenario comparison</h2>
{% set s = d.scenario %}
{% if s is none %}<p class="note">No scenario was run for this brief.</p>
{% else %}
<p><strong>{{ s.scenario.title }}</strong>: {{ s.scenario.start }} to {{ s.scenario.end }} ({{ s.scenario.horizon_days }} days),
{{ "{:,}".format(s.n_paths) }} simulated paths per variant; event model fitted on the store's events {{ s.scenario.fit_from }} to {{ s.scenario.fit_to }}.
Parameters are drawn from their ranges in every path, so the intervals include the assumptions' uncertainty as well as chance.</p>
{{ reader(d.scenario_notes) }}
<div class="scroll">
<table id="comparison-table">
<caption class="caption">Probability of each outcome without levers, and with each variant: probability, and below it the change against no lever in percentage points with its 95% interval (bold: the interval excludes zero)</caption>
<tr><th>outcome</th><th>by</th>{% for v in variants %}<th data-variant="{{ v }}">{{ v | lever }}</th>{% endfor %}</tr>
{% for o in s.scenario.outcomes %}
<tr><td>{{ o.name | outcome }}</td><td>{{ outcome_rows[o.name].by or "" }}</td>
{% for v in variants %}{% set r = cmp[(v, o.name)] %}
{% if v == "none" %}<td class="num" data-variant="none" data-outcome="{{ o.name }}">{{ r.probability | pct }}</td>
{% else %}<td class="num{% if r.excludes_zero %} sig{% endif %}" data-variant="{{ v }}" data-outcome="{{ o.name }}">{{ r.probability | pct }}<br><span class="delta">{{ (100 * r.difference) | num("+.1f") }} [{{ (100 * r.diff_low) | num("+.1f") }}, {{ (100 * r.diff_high) | num("+.1f") }}]</span></td>{% endif %}
{% endfor %}</tr>
{% endfor %}
</table>
</div>
<div class="scroll"><table id="outcome-table">
<caption class="caption">Without levers: each outcome's probability with its 95% Monte Carlo interval, and its spread across the assumptions (10th-90th percentile of the probability over parameter draws)</caption>
<tr><th>outcome</th><th>probability</th><th>95% Monte Carlo interval</th><th>spread from assumptions</th><th>what happened</th></tr>
{% for o in s.scenario.outcomes %}{% set r = outcome_rows[o.name] %}
<tr><td>{{ o.name | outcome }}</td><td class="num">{{ r.probability | pct }}</td><td class="num">{{ r.mc_low | pct }}-{{ r.mc_high | pct }}</td><td class="num">{{ r.param_p10 | pct }}-{{ r.param_p90 | pct }}</td><td>{% if r.observed is none %}{% elif r.observed %}yes{% else %}no{% endif %}</td></tr>
{% endfor %}
</table></div>
<div class="scroll"><table id="levers">
<caption class="caption">The levers compared</caption>
<tr><th>lever</th><th>date</th><th>days</th><th>what it is</th></tr>
{% for lv in s.scenario.levers %}<tr><td>{{ lv.name | lever }}</td><td>{{ lv.day }}</td><td class="num">{{ lv.duration_days }}</td><td>{{ lv.description | reword }}</td></tr>{% endfor %}
</table></div>
{% endif %}
</section>

<section id="appendix">
<h2>Appendix: methods, data and sources</h2>
<h3 id="methods">Methods</h3>
<p>The {{ d.measure.measure | measure }} of a direction sums the Goldstein weights (-10, most conflictual, to +10, most cooperative) of its events in each {{ d.measure.freq }}. Its index is the number of standard deviations from the median of the {{ d.measure.baseline }} {{ d.measure.freq }}s before. Change points are shifts in the mean found by penalised least squares; alarms are rules for relations between allies applied to the events and the index. Reciprocity is read from a vector autoregression with Granger tests (Holm-corrected) and bootstrapped impulse responses. The scenario is a Monte Carlo simulation of agreements and measures as state machines driven by a self-exciting event model fitted on the store's events; each lever changes rates or transition hazards within stated ranges.</p>
<h3 id="sources">Data coverage and sources</h3>
<p>Series of {{ d.dyad | pair }}: {{ d.first_period or "no data" }} to {{ d.last_period or "no data" }}, by {{ d.measure.freq }}{% if d.start or d.end %}; requested {{ d.start or "first event" }} to {{ d.end or "last event" }}{% endif %}.
{% if d.explain %}Triad model: {{ d.explain.first }} to {{ d.explain.last }}. {% endif %}
{% if d.scenario %}Scenario model: fitted {{ d.scenario.scenario.fit_from }} to {{ d.scenario.scenario.fit_to }}; {{ "{:,}".format(d.scenario.n_paths) }} Monte Carlo paths per variant, seed {{ d.scenario.seed }}. {% endif %}
{% if d.explain %}Impulse responses: {{ d.explain.repl }} bootstrap replications, seed {{ d.explain.seed }}.{% endif %}</p>
{% if d.measure.coverage %}<div class="scroll"><table id="coverage-table">
<caption class="caption">What each source covers for this pair</caption>
<tr><th>source</th><th>days with events</th><th>first</th><th>last</th><th>events of the pair</th><th>counted</th></tr>
{% for c in d.measure.coverage %}<tr data-origin="{{ c.origin }}"><td>{{ c.origin }}</td><td class="num">{{ c.days }}</td><td>{{ c.first }}</td><td>{{ c.last }}</td><td class="num">{{ c.events }}</td><td>{{ "yes" if c.used else "no" }}</td></tr>{% endfor %}
</table></div>{% endif %}
{% if d.stats %}
<div class="scroll"><table id="store-stats">
<caption class="caption">The store: {{ "{:,}".format(d.stats.events) }} events from {{ "{:,}".format(d.stats.files) }} ingested file(s) or batch(es); rows read {{ "{:,}".format(d.stats.read) }} = stored {{ "{:,}".format(d.stats.stored) }} + rejected {{ "{:,}".format(d.stats.rejected) }} + duplicates {{ "{:,}".format(d.stats.duplicates) }}</caption>
<tr><th>origin</th><th>events</th><th>first</th><th>last</th></tr>
{% for r in d.stats.by_origin %}<tr><td>{{ r.origin }}</td><td class="num">{{ "{:,}".format(r.events) }}</td><td>{{ r.first or "" }}</td><td>{{ r.last or "" }}</td></tr>{% endfor %}
</table></div>
{% else %}<p class="note">Store statistics were not given.</p>{% endif %}
<p class="note">Event sources: <em>chronology</em> is the hand-coded Japan-Korea-US chronology bundled with brinkwatch (each event cites its report);
<em>coded</em> events come from text coded by brinkwatch's rule-based coder (each keeps its sentence); <em>gdelt1/gdelt2/icews</em> are machine-coded news events (each keeps its URL or story).
Alarm rules: brinkwatch's bundled rules for relations between allies.</p>
<h3 id="ids">Labels and the ids behind them</h3>
<!--ids-->
</section>
</body>
</html>
"""

#: The appendix's id list, rendered after the body so that it holds every id the body used.
APPENDIX_IDS = """<dl class="ids">
{% for kind, ident, label in ids %}<dt>{{ ident }}</dt><dd>{{ label }} <span class="note">({{ kind }})</span></dd>
{% endfor %}</dl>"""
