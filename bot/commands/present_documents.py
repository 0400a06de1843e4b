"""The agenda as documents: the whole matrix to print or keep (HTML, and the same in
Markdown) and the session's invitation (``.ics``), attached to the short agenda.

The short agenda is cut to fit a phone; these keep everything it counted as "y 37 más":
every open bottleneck with every open action (owner, entity, status, due date, how
often its date moved). Both documents are made from one list of blocks, so they say the
same; every piece of text is escaped for its format, since members typed most of it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.commands.reply import Attachment
from bot.commands.voice import Voice
from bot.core.enums import ActionStatus
from bot.core.views import ActionView, Agenda, BottleneckView
from bot.i18n import label, short_date

#: How long the invitation books: sessions have no end time of their own.
SESSION_LENGTH = timedelta(hours=2)
HTML_TYPE = "text/html"
MARKDOWN_TYPE = "text/markdown"
ICS_TYPE = "text/calendar"


@dataclass(frozen=True)
class Block:
    """One piece of a document: a heading, a paragraph, a table or a list."""

    kind: str  # "h1", "h2", "h3", "p", "table", "list"
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


class AgendaDocuments(Voice):
    def agenda_attachments(self, agenda: Agenda) -> list[Attachment]:
        """The whole matrix as HTML and as Markdown, and the session's invitation."""
        stem = self._stem(agenda)
        blocks = self.agenda_blocks(agenda)
        files = [
            Attachment(f"{stem}.html", self.agenda_html(blocks).encode(), HTML_TYPE),
            Attachment(f"{stem}.md", agenda_markdown(blocks).encode(), MARKDOWN_TYPE),
        ]
        if agenda.session is not None:
            files.append(Attachment(f"{stem}.ics", self.agenda_ics(agenda), ICS_TYPE))
        return files

    def _stem(self, agenda: Agenda) -> str:
        """``agenda-forestal-sesion-7``: the mesa, and the session (or the day)."""
        if agenda.session is not None:
            return self.t("doc.file", mesa=agenda.mesa.slug, number=agenda.session.number)
        day = agenda.compiled_at.astimezone(self.tz).date()
        return self.t("doc.file_preview", mesa=agenda.mesa.slug, day=day.isoformat())

    def _title(self, agenda: Agenda) -> str:
        if agenda.session is not None:
            return self.t("agenda.title", mesa=agenda.mesa.name,
                          number=agenda.session.number,
                          when=self.when(agenda.session.starts_at))
        return self.t("agenda.title_preview", mesa=agenda.mesa.name)

    # the content, once for both formats

    def agenda_blocks(self, agenda: Agenda) -> list[Block]:
        """The agenda's sections in full, then the rest of the open matrix."""
        blocks = [Block("h1", self._title(agenda))]
        facts = [self.t("doc.compiled", when=self.when(agenda.compiled_at))]
        if agenda.sent_at is not None:
            facts.append(self.t("doc.sent", when=self.when(agenda.sent_at)))
        if agenda.since is not None:
            facts.append(self.t("agenda.since", when=self.when(agenda.since)))
        blocks.append(Block("p", " ".join(facts)))
        blocks.append(Block("h2", self.t("agenda.prioritized")))
        for item in agenda.prioritized:
            blocks += self._bottleneck(item.bottleneck, agenda.actions.get(
                item.bottleneck.ref, item.actions))
            if item.progress:
                blocks.append(Block("p", self.t("doc.progress")))
                blocks.append(Block("list", items=[
                    self.t("progress.line", ref=p.ref, when=self.stamp(p.at),
                           author=p.author.name, text=p.text)
                    for p in item.progress]))
        if not agenda.prioritized:
            blocks.append(Block("p", self.t("agenda.none")))
        blocks += self._left_out(agenda, "prioritized")
        for key, name in (("agenda.due", "due"), ("agenda.overdue", "overdue"),
                          ("agenda.blocked", "blocked")):
            blocks.append(Block("h2", self.t(key)))
            blocks.append(self._actions(getattr(agenda, name), with_bottleneck=True))
            blocks += self._left_out(agenda, name)
        blocks.append(Block("h2", self.t("agenda.triage")))
        for view in agenda.awaiting_triage:
            blocks += self._bottleneck(view, agenda.actions.get(view.ref, []))
        if not agenda.awaiting_triage:
            blocks.append(Block("p", self.t("agenda.none")))
        blocks += self._left_out(agenda, "awaiting_triage")
        blocks.append(Block("h2", self.t("agenda.confirm")))
        blocks.append(self._actions(agenda.awaiting_confirmation, with_bottleneck=True))
        blocks += self._left_out(agenda, "awaiting_confirmation")
        blocks.append(Block("h2", self.t("agenda.out_of_focus")))
        for view in agenda.out_of_focus:
            blocks += self._bottleneck(view, agenda.actions.get(view.ref, []))
        if not agenda.out_of_focus:
            blocks.append(Block("p", self.t("agenda.none")))
        blocks += self._left_out(agenda, "out_of_focus")
        momentum = agenda.momentum
        blocks.append(Block("h2", self.t("agenda.momentum")))
        blocks.append(Block("list", items=[
            self.t("agenda.momentum_line", cadence=self.t(f"cadence.{momentum.cadence}"),
                   held=momentum.held_last_90_days,
                   expected=momentum.expected_last_90_days),
            self.t("agenda.momentum_resolved", count=momentum.resolved_since_last_session),
        ]))
        blocks.append(Block("h2", self.t("doc.queue")))
        for view in agenda.queue:
            blocks += self._bottleneck(view, agenda.actions.get(view.ref, []))
        if not agenda.queue:
            blocks.append(Block("p", self.t("agenda.none")))
        blocks += self._left_out(agenda, "queue")
        return blocks

    def _left_out(self, agenda: Agenda, name: str) -> list[Block]:
        """"and 37 more" under a list the agenda cut (bot.core.sections)."""
        count = agenda.more.get(name, 0)
        return [Block("p", self.t("agenda.more", count=count))] if count else []

    def _bottleneck(self, view: BottleneckView, actions: list[ActionView]) -> list[Block]:
        """A bottleneck in full: its words, its classification, every open action."""
        blocks = [Block("h3", f"{view.ref} {self.quote(view.title)}")]
        meta = self.t(
            "doc.bottleneck_meta", status=label(self.lang, "status", view.status),
            owner_class=label(self.lang, "owner_short", view.owner_class),
            cause=label(self.lang, "root_cause", view.root_cause),
            priority=view.priority if view.priority is not None else "—",
            entity=view.responsible_entity or "—", reporter=self.person(view.reporter))
        if view.excluded not in (None, "untriaged"):  # "por clasificar" says it already
            meta += " · " + self.t(f"excluded.{view.excluded}")
        blocks.append(Block("p", meta))
        if view.detail and view.detail != view.title:
            blocks.append(Block("p", view.detail))
        if actions:
            blocks.append(self._actions(actions, with_bottleneck=False))
        else:
            blocks.append(Block("p", self.t("agenda.no_actions")))
        return blocks

    def _actions(self, actions: list[ActionView], *, with_bottleneck: bool) -> Block:
        if not actions:
            return Block("p", self.t("agenda.none"))
        headers = [self.t("doc.col.ref"), self.t("doc.col.action")]
        if with_bottleneck:
            headers.append(self.t("doc.col.bottleneck"))
        headers += [self.t("doc.col.owner"), self.t("doc.col.entity"),
                    self.t("doc.col.status"), self.t("doc.col.due"), self.t("doc.col.slips")]
        rows = []
        for a in actions:
            status = [label(self.lang, "action_status", a.status)]
            if a.days_overdue and a.status != ActionStatus.DONE:
                status.append(self.overdue_words(a.days_overdue))
            if a.status == ActionStatus.BLOCKED:
                status.append(label(self.lang, "blocked_reason", a.blocked_reason)
                              + (f": {a.blocked_detail}" if a.blocked_detail else ""))
            row = [a.ref, a.text] + ([a.bottleneck_ref] if with_bottleneck else [])
            row += [a.owner.name if a.owner else "—",
                    a.owner_entity or (a.owner.entity if a.owner and a.owner.entity else "—"),
                    " · ".join(status),
                    short_date(self.lang, a.due_on) if a.due_on else "—",
                    str(a.slips) if a.slips else "—"]
            rows.append(row)
        return Block("table", headers=headers, rows=rows)

    # the formats

    def agenda_html(self, blocks: list[Block]) -> str:
        """A page that stands alone (no scripts, no outside files) and prints well."""
        body = []
        for block in blocks:
            if block.kind in ("h1", "h2", "h3", "p"):
                body.append(f"<{block.kind}>{_h(block.text)}</{block.kind}>")
            elif block.kind == "list":
                body.append("<ul>" + "".join(f"<li>{_h(i)}</li>" for i in block.items)
                            + "</ul>")
            elif block.kind == "table":
                head = "".join(f"<th>{_h(h)}</th>" for h in block.headers)
                rows = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>"
                               for row in block.rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                            "</table>")
        title = blocks[0].text if blocks else ""
        return (f'<!DOCTYPE html>\n<html lang="{_h(self.lang)}">\n<head>\n'
                '<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{_h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
                + "\n".join(body) + "\n</body>\n</html>\n")

    def agenda_ics(self, agenda: Agenda) -> bytes:
        """The session as a calendar invitation: one event, in the mesa's time zone.

        Its UID is the mesa's and the session's, so an invitation sent again (the session
        moved) updates the same event; its SEQUENCE grows with the time it was compiled,
        as calendars keep the highest revision of an event.
        """
        assert agenda.session is not None
        zone = ZoneInfo(agenda.mesa.timezone)
        starts = agenda.session.starts_at.astimezone(zone)
        headline = [self._title(agenda)] + [
            f"{item.bottleneck.ref} {self.quote(item.bottleneck.title)}" for item in
            agenda.prioritized[:5]]
        event = Event()
        event.add("uid", session_uid(agenda.mesa.slug, agenda.session.number))
        event.add("dtstamp", agenda.compiled_at)
        event.add("sequence", int(agenda.compiled_at.timestamp()) // 60)
        event.add("dtstart", starts)
        event.add("dtend", starts + SESSION_LENGTH)
        event.add("summary", self.t("ics.summary", mesa=agenda.mesa.name,
                                    number=agenda.session.number))
        event.add("description", "\n".join(headline))
        calendar = Calendar()
        calendar.add("prodid", "-//Mesa bot//mesabot//ES")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        calendar.add_component(event)
        calendar.add_missing_timezones()
        ical: bytes = calendar.to_ical()
        return ical


def session_uid(slug: str, number: int) -> str:
    """The same for every invitation to one session of one mesa."""
    return f"session-{number}.{slug}@mesabot"


def agenda_markdown(blocks: list[Block]) -> str:
    """The same document in Markdown, every text escaped so that nothing a member typed
    becomes a link, a table column, a heading or HTML."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "h1":
            out.append(f"# {_md(block.text)}")
        elif block.kind == "h2":
            out.append(f"## {_md(block.text)}")
        elif block.kind == "h3":
            out.append(f"### {_md(block.text)}")
        elif block.kind == "p":
            out.append(_md_start(_md(block.text)))
        elif block.kind == "list":
            out.append("\n".join(f"- {_md(i)}" for i in block.items))
        elif block.kind == "table":
            lines = ["| " + " | ".join(_md(h) for h in block.headers) + " |",
                     "|" + " --- |" * len(block.headers)]
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _h(text: str) -> str:
    return html.escape(text, quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def _md(text: str) -> str:
    """Markdown's markup characters backslashed (CommonMark shows them as typed), and
    line breaks as spaces, so a text stays inside its paragraph or table cell."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_start(text: str) -> str:
    """A paragraph that would start a list or a quote read as one ("1. ...", "- ...")."""
    numbered = re.match(r"^(\d+)([.)])", text)
    if numbered:
        return f"{numbered.group(1)}\\{text[numbered.end(1):]}"
    return "\\" + text if text[:1] in ("-", "+", "=") else text


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 2rem auto; max-width: 62rem; padding: 0 1rem; color: #111;
       line-height: 1.4; }
h1 { font-size: 1.5rem; border-bottom: 2px solid #333; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #999; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
p { margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left;
         vertical-align: top; }
th { background: #eee; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
