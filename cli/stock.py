"""``relief stock``: the warehouse keeper's commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from relief.cli.common import ActorOption, DbOption, DocOption, JsonOption, actor, out, print_json, table, today, url, whole
from relief.depot import db, reports

if TYPE_CHECKING:
    from relief.depot.ledger import Posted

app = typer.Typer(help="Receive, issue, transfer, adjust and count stock; see what is on hand.", no_args_is_help=True)

Depot = Annotated[str, typer.Argument(help="Depot code, e.g. C150121 (see `relief depot list`).")]
Item = Annotated[str, typer.Argument(help="Item code, e.g. TENT12 (see `relief item list`).")]
Qty = Annotated[str, typer.Argument(help="Whole number of units, greater than 0.")]
LotOption = Annotated[str | None, typer.Option("--lot", help="Lot code (see `relief stock show`).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Free text kept on the ledger line.")]
SIGNED = {"ignore_unknown_options": True}


def _report(posted: Posted, verb: str) -> None:
    if posted.status != "recorded":
        out.print(f"document {posted.number} is already recorded; nothing changed")
        return
    moved = sum(abs(line.qty) for line in posted.lines if line.kind not in ("transfer_in",))
    out.print(f"{verb} - document {posted.number}, {len(posted.lines)} ledger line(s), {moved:,} unit(s)")
    for line in posted.lines:
        sign = f"{line.qty:+,}" if line.qty else f"reserved {line.reserved_delta:+,}"
        out.print(f"  {line.kind:<12} {line.depot:<8} {line.item:<8} lot {line.lot:<14} {sign}")


@app.command(context_settings=SIGNED)
def receive(depot: Depot, item: Item, qty: Qty,
            lot: LotOption = None,
            expires: Annotated[str | None, typer.Option(help="Expiry date YYYY-MM-DD (perishable items).")] = None,
            doc: DocOption = None,
            source: Annotated[str | None, typer.Option(help="Where the goods came from (supplier, donor).")] = None,
            note: NoteOption = None, who: ActorOption = None, db_: DbOption = None) -> None:
    """Receive units of an item into a depot."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.receive(url(db_), depot, item, qty, lot=lot, expires=expires, doc=doc, source=source,
                            note=note, actor=actor(who), today=today())
    _report(posted, f"received {qty} {item.upper()} into {depot.upper()}")


@app.command(context_settings=SIGNED)
def issue(depot: Depot, item: Item, qty: Qty,
          lot: Annotated[str | None, typer.Option("--lot", help="Take this lot (default: earliest expiry first).")] = None,
          doc: DocOption = None,
          to: Annotated[str | None, typer.Option("--to", help="Recipient (township, shelter, agency).")] = None,
          allow_expired: Annotated[bool, typer.Option("--allow-expired", help="Allow issuing a named expired lot.")] = False,
          note: NoteOption = None, who: ActorOption = None, db_: DbOption = None) -> None:
    """Issue units from a depot, earliest-expiring lots first (FEFO)."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.issue(url(db_), depot, item, qty, lot=lot, doc=doc, to=to, allow_expired=allow_expired,
                          note=note, actor=actor(who), today=today())
    _report(posted, f"issued {qty} {item.upper()} from {depot.upper()}")


@app.command(context_settings=SIGNED)
def transfer(source: Annotated[str, typer.Argument(help="Depot code sending the goods.")],
             dest: Annotated[str, typer.Argument(help="Depot code receiving the goods.")],
             item: Item, qty: Qty, lot: LotOption = None, doc: DocOption = None,
             note: NoteOption = None, who: ActorOption = None, db_: DbOption = None) -> None:
    """Move units between two depots as one document (out and in together)."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.transfer(url(db_), source, dest, item, qty, lot=lot, doc=doc, note=note,
                             actor=actor(who), today=today())
    _report(posted, f"transferred {qty} {item.upper()} from {source.upper()} to {dest.upper()}")


@app.command(context_settings=SIGNED)
def adjust(depot: Depot, item: Item,
           delta: Annotated[str, typer.Argument(help="Signed change in units, e.g. -3 or 5.")],
           reason: Annotated[str, typer.Option("--reason", help="damaged, lost, found, expired or other.")],
           lot: LotOption = None, doc: DocOption = None, note: NoteOption = None,
           who: ActorOption = None, db_: DbOption = None) -> None:
    """Correct stock up or down for a reason (damaged, lost, found, expired, other)."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.adjust(url(db_), depot, item, delta, reason, lot=lot, doc=doc, note=note,
                           actor=actor(who), today=today())
    _report(posted, f"adjusted {item.upper()} at {depot.upper()} by {delta} ({reason})")


@app.command(context_settings=SIGNED)
def count(depot: Depot, item: Item,
          counted: Annotated[str, typer.Argument(help="Units physically counted (0 or more).")],
          lot: Annotated[str | None, typer.Option("--lot", help="Count only this lot (default: all lots of the item).")] = None,
          doc: DocOption = None, note: NoteOption = None, who: ActorOption = None, db_: DbOption = None) -> None:
    """Record a stock count; the variance becomes a count movement."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.count(url(db_), depot, item, counted, lot=lot, doc=doc, note=note, actor=actor(who), today=today())
    if posted.status == "recorded" and not posted.lines:
        out.print(f"count of {item.upper()} at {depot.upper()} matches the books ({counted}); document {posted.number}")
        return
    _report(posted, f"counted {counted} {item.upper()} at {depot.upper()}")


STOCK_COLUMNS = [("depot", "depot"), ("depot_name", "name"), ("item", "item"), ("item_name", "item name"),
                 ("lot", "lot"), ("expires", "expires"), ("expired", "expired"), ("on_hand", "on hand"),
                 ("reserved", "reserved"), ("available", "available")]


@app.command()
def show(depot: Annotated[str | None, typer.Option("--depot", help="Only this depot.")] = None,
         item: Annotated[str | None, typer.Option("--item", help="Only this item.")] = None,
         as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Stock per depot, item and lot: on hand, reserved, available."""
    with db.session(url(db_)) as s:
        rows = reports.stock(s, depot=depot, item=item, today=today())
    if as_json:
        print_json([{k: r[k] for k in ("depot", "item", "lot", "expires", "expired", "on_hand", "reserved", "available")}
                    for r in rows])
        return
    columns = [c for c in STOCK_COLUMNS if not (depot and c[0] in ("depot", "depot_name"))]
    title = f"{rows[0]['depot']} {rows[0]['depot_name']}" if depot and rows else None
    table(title, columns, rows, empty="no stock matches")
    if rows:
        out.print(f"{len(rows)} lot(s); on hand {sum(r['on_hand'] for r in rows):,}, "
                  f"available {sum(r['available'] for r in rows):,}")


@app.command()
def low(depot: Annotated[str | None, typer.Option("--depot", help="Only this depot.")] = None,
        as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Items below the reserve-norm minimum for the depot's level."""
    with db.session(url(db_)) as s:
        rows = reports.low(s, depot=depot, today=today())
    if as_json:
        print_json(rows)
        return
    table(None, [("depot", "depot"), ("level", "level"), ("item", "item"), ("item_name", "item name"),
                 ("available", "available"), ("min", "min"), ("max", "max"), ("short", "short of min"),
                 ("to_max", "to max")], rows, empty="every depot holds at least its minimum")
    if rows:
        out.print(f"{len(rows)} depot item(s) below minimum, {len({r['depot'] for r in rows})} depot(s)")


@app.command()
def expiring(days: Annotated[int, typer.Option("--days", parser=whole, help="Horizon in days.")] = 90,
             depot: Annotated[str | None, typer.Option("--depot", help="Only this depot.")] = None,
             as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Lots expiring within N days, and lots already expired."""
    with db.session(url(db_)) as s:
        rows = reports.expiring(s, days=days, depot=depot, today=today())
    if as_json:
        print_json(rows)
        return
    table(None, [("expires", "expires"), ("days_left", "days left"), ("depot", "depot"), ("item", "item"),
                 ("item_name", "item name"), ("lot", "lot"), ("on_hand", "on hand"), ("reserved", "reserved")],
          rows, empty=f"no lot expires within {days} days")


@app.command()
def history(depot: Annotated[str | None, typer.Option("--depot", help="Only this depot.")] = None,
            item: Annotated[str | None, typer.Option("--item", help="Only this item.")] = None,
            doc: Annotated[str | None, typer.Option("--doc", help="Only this document.")] = None,
            limit: Annotated[int, typer.Option("--limit", parser=whole, help="Most recent N movements.")] = 20,
            as_json: JsonOption = False, db_: DbOption = None) -> None:
    """Ledger movements, newest first."""
    with db.session(url(db_)) as s:
        rows = reports.history(s, depot=depot, item=item, doc=doc, limit=limit)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["at"] = row["at"][:16].replace("T", " ")
    columns = [("id", "#"), ("at", "at (UTC)"), ("kind", "kind"), ("depot", "depot"), ("item", "item"),
               ("lot", "lot"), ("qty", "qty"), ("reserved_delta", "reserved"), ("doc", "document"),
               ("actor", "actor"), ("reason", "reason"), ("counterparty", "to/from")]
    drop = {"depot"} if depot else set()
    drop |= {"item"} if item else set()
    drop |= {"reserved_delta"} if not any(r["reserved_delta"] for r in rows) else set()
    table(None, [c for c in columns if c[0] not in drop], rows, empty="no movements match")


@app.command()
def verify(as_json: JsonOption = False,
           head: Annotated[str | None, typer.Option(
               "--head", metavar="ID:HASH",
               help="A chain head noted earlier (from --json): check the ledger still passes through it.")] = None,
           db_: DbOption = None) -> None:
    """Recompute every balance and the ledger's hash chain and compare (exit 1 on a mismatch)."""
    with db.session(url(db_)) as s:
        result = reports.verify(s, head=head)
    chained = result["chain"]
    if as_json:
        print_json(result)
    elif result["ok"]:
        out.print(f"books balance: {result['balances']:,} balances agree with {result['movements']:,} ledger movements, "
                  "whose hash chain is unbroken")
        if chained["noted"]:
            out.print(f"the chain passes through the noted head, movement {chained['noted']['id']}")
    else:
        if result["problems"]:
            table("balances that do not agree with the ledger", [(k, k) for k in result["problems"][0]],
                  result["problems"])
        if chained["broken"]:
            broken = chained["broken"]
            out.print(f"ledger chain broken at movement {broken['id']} (document {broken['doc']}): {broken['problem']}",
                      soft_wrap=True)
        if chained["noted"] and not chained["noted"]["ok"]:
            out.print(f"noted head {chained['noted']['id']}: {chained['noted']['problem']}", soft_wrap=True)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command(name="import")
def import_(file: Annotated[str, typer.Argument(help="CSV or XLSX file with columns kind, depot, item, qty, ...")],
            who: ActorOption = None, db_: DbOption = None) -> None:
    """Import movements from CSV or XLSX; all rows or none, and never twice."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    posted = keeper.import_file(url(db_), file, actor=actor(who), today=today())
    new = [p for p in posted if p.status == "recorded"]
    seen = len(posted) - len(new)
    lines = sum(len(p.lines) for p in new)
    if not new:
        out.print(f"{file}: all {seen} document(s) already recorded; nothing changed")
        return
    out.print(f"{file}: recorded {len(new)} document(s) with {lines:,} ledger line(s)"
              + (f"; {seen} already recorded, skipped" if seen else ""))


@app.command()
def export(file: Annotated[str, typer.Argument(help="Output .csv or .xlsx file.")],
           ledger: Annotated[bool, typer.Option("--ledger", help="Export every ledger movement instead of stock.")] = False,
           force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
           db_: DbOption = None) -> None:
    """Export current stock (or the whole ledger) to CSV or XLSX; text a spreadsheet would
    run as a formula (starting with =, +, -, @) is written with a leading quote."""
    from relief.depot import keeper  # imported here: the read-only reports never need it

    rows = keeper.export_file(url(db_), file, ledger=ledger, today=today(), force=force)
    out.print(f"wrote {rows:,} {'movement' if ledger else 'stock'} row(s) to {file}")
