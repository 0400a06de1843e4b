"""The core's use cases, built together once in ``main()`` and handed to every face."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.account_links import AccountLinks
from bot.core.actions import Actions
from bot.core.agenda import Agendas
from bot.core.agenda_delivery import AgendaDelivery
from bot.core.bottlenecks import Bottlenecks
from bot.core.cadence import CadenceWatch
from bot.core.channels import Channels
from bot.core.chats import Chats
from bot.core.clock import Clock
from bot.core.departures import Departures
from bot.core.escalations import Escalations
from bot.core.invitations import Invitations
from bot.core.members import Members
from bot.core.mesa_settings import MesaSettings
from bot.core.notices import Outbox
from bot.core.nudges import Nudges
from bot.core.progress import Progress
from bot.core.reading import Reading
from bot.core.reminders import Reminders
from bot.core.roster import Roster
from bot.core.series import Series
from bot.core.sessions import Sessions
from bot.storage.database import Database


@dataclass(frozen=True)
class Services:
    db: Database
    clock: Clock
    members: Members
    bottlenecks: Bottlenecks
    actions: Actions
    progress: Progress
    sessions: Sessions
    agendas: Agendas
    agenda_delivery: AgendaDelivery
    reading: Reading
    outbox: Outbox
    chats: Chats
    channels: Channels
    accounts: AccountLinks
    invitations: Invitations
    departures: Departures
    reminders: Reminders
    mesa_settings: MesaSettings
    series: Series
    escalations: Escalations
    cadence: CadenceWatch
    nudges: Nudges
    roster: Roster

    @classmethod
    def build(cls, *, db: Database, clock: Clock) -> Services:
        return cls(
            db=db,
            clock=clock,
            members=Members(db=db, clock=clock),
            bottlenecks=Bottlenecks(db=db, clock=clock),
            actions=Actions(db=db, clock=clock),
            progress=Progress(db=db, clock=clock),
            sessions=Sessions(db=db, clock=clock),
            agendas=Agendas(db=db, clock=clock),
            agenda_delivery=AgendaDelivery(db=db, clock=clock),
            reading=Reading(db=db, clock=clock),
            outbox=Outbox(db=db, clock=clock),
            chats=Chats(db=db, clock=clock),
            channels=Channels(db=db, clock=clock),
            accounts=AccountLinks(db=db, clock=clock),
            invitations=Invitations(db=db, clock=clock),
            departures=Departures(db=db, clock=clock),
            reminders=Reminders(db=db, clock=clock),
            mesa_settings=MesaSettings(db=db, clock=clock),
            series=Series(db=db, clock=clock),
            escalations=Escalations(db=db, clock=clock),
            cadence=CadenceWatch(db=db, clock=clock),
            nudges=Nudges(db=db, clock=clock),
            roster=Roster(db=db, clock=clock),
        )
