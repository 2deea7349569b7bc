# CTY-12: each existing two-community proposal gets its two sides from the pair fields.

from django.db import migrations

AGREED_OR_DONE = ("agreed", "executed")


def sides_from_pairs(apps, schema_editor):
    """One side for the kept community and one for the absorbed one, per proposal.

    A side agreed when its ``*_agreed_by`` is set, or when the proposal was agreed or
    executed (the person's account may have gone since). The old fields kept no date:
    ``agreed_at`` is the proposal's date, the only one known."""
    MergeProposal = apps.get_model("communities", "MergeProposal")
    MergeSide = apps.get_model("communities", "MergeSide")
    rows = []
    proposals = MergeProposal.objects.filter(sides__isnull=True).select_related("kept")
    for proposal in proposals.order_by("pk").iterator(chunk_size=500):
        everyone_agreed = proposal.status in AGREED_OR_DONE
        for community_id, name, agreed_by_id in (
            (proposal.kept_id, proposal.kept.name, proposal.kept_agreed_by_id),
            (proposal.absorbed_id, proposal.absorbed_name, proposal.absorbed_agreed_by_id),
        ):
            agreed = everyone_agreed or agreed_by_id is not None
            rows.append(
                MergeSide(
                    proposal_id=proposal.pk,
                    community_id=community_id,
                    community_name=name,
                    agreed_by_id=agreed_by_id,
                    agreed_at=proposal.proposed_at if agreed else None,
                )
            )
    MergeSide.objects.bulk_create(rows, batch_size=500)


def pairs_from_sides(apps, schema_editor):
    """Back to the pair fields: the first absorbed side of each proposal (a proposal of
    more than two communities cannot be written back whole: it is cancelled)."""
    MergeProposal = apps.get_model("communities", "MergeProposal")
    MergeSide = apps.get_model("communities", "MergeSide")
    for proposal in MergeProposal.objects.order_by("pk").iterator(chunk_size=500):
        sides = list(MergeSide.objects.filter(proposal_id=proposal.pk).order_by("pk"))
        kept = [s for s in sides if s.community_id == proposal.kept_id]
        absorbed = [s for s in sides if s.community_id != proposal.kept_id]
        if not absorbed:
            continue
        proposal.absorbed_id = absorbed[0].community_id
        proposal.absorbed_name = absorbed[0].community_name
        proposal.absorbed_agreed_by_id = absorbed[0].agreed_by_id
        proposal.kept_agreed_by_id = kept[0].agreed_by_id if kept else None
        if len(absorbed) > 1 and proposal.status in ("open", "agreed"):
            proposal.status = "cancelled"
        proposal.save()
    MergeSide.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0004_merge_sides"),
    ]

    operations = [
        migrations.RunPython(sides_from_pairs, pairs_from_sides, elidable=False),
    ]
