"""``shortbreaks.sql``: hand-written reads give the same objects the ORM gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tortoise.models import Model

from shortbreaks.accounts import services
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import ApiToken, Membership, Organisation, User
from shortbreaks.sql import columns, execute, fetch, fetch_models, returning
from tests.factories import NOW, make_organisation, make_user


def same_fields(a: Model, b: Model) -> None:
    assert type(a) is type(b)
    for name in a._meta.db_fields:
        field = a._meta.fields_db_projection_reverse.get(name, name)
        assert getattr(a, field) == getattr(b, field), field


async def test_fetch_models_hydrates_what_the_orm_would() -> None:
    charity = await make_organisation(kind=OrganisationKind.CHARITY, name="Oak, Ash & Thorn; \\ Ltd")
    user = await make_user(role=Role.FAMILY, name="Zoë O'Brien")
    await services.ensure_membership(user, charity, Role.PROVIDER_STAFF, is_org_admin=True)
    rows = await fetch_models(
        f"SELECT {columns('u', User)}, {columns('m', Membership)}, {columns('o', Organisation)}"  # noqa: S608 — column lists from the models
        " FROM core_user u JOIN core_membership m ON m.user_id = u.id JOIN core_organisation o ON o.id = m.organisation_id"
        " WHERE u.id = $1 AND o.kind = $2 ORDER BY o.name",
        user.id,
        OrganisationKind.CHARITY.value,
        models={"u": User, "m": Membership, "o": Organisation},
    )
    assert len(rows) == 1
    same_fields(rows[0]["u"], await User.get(id=user.id))
    same_fields(rows[0]["m"], await Membership.get(user_id=user.id, organisation_id=charity.id))
    same_fields(rows[0]["o"], await Organisation.get(id=charity.id))
    assert rows[0]["o"].name == "Oak, Ash & Thorn; \\ Ltd"
    assert rows[0]["m"].is_org_admin is True


async def test_a_left_join_that_matches_nothing_is_none() -> None:
    user = await make_user()
    rows = await fetch_models(
        f"SELECT {columns('u', User)}, {columns('m', Membership)}"  # noqa: S608 — column lists from the models
        " FROM core_user u LEFT JOIN core_membership m ON m.user_id = u.id WHERE u.id = $1",
        user.id,
        models={"u": User, "m": Membership},
    )
    assert [(r["u"].id, r["m"]) for r in rows] == [(user.id, None)]


async def test_find_api_token_loads_the_principal_in_one_read() -> None:
    user = await make_user(role=Role.LA_OFFICER)
    second = await make_organisation(kind=OrganisationKind.CHARITY)
    await services.ensure_membership(user, second, Role.PROVIDER_STAFF)
    token, _ = await services.create_api_token(user, now=NOW)
    found = await services.find_api_token(token)
    assert found is not None
    row, principal = found
    assert row.user.id == user.id == principal.id
    assert principal.roles == {Role.LA_OFFICER, Role.PROVIDER_STAFF}
    assert principal.token_id == row.id
    assert sorted(m.organisation_name for m in principal.memberships) == sorted(
        [o.name for o in await Organisation.filter(memberships__user_id=user.id)]
    )

    lonely = await make_user()
    lonely_token, _ = await services.create_api_token(lonely, now=NOW)
    found = await services.find_api_token(lonely_token)
    assert found is not None and found[1].memberships == []

    assert await services.find_api_token("sbt_not-a-token") is None
    await ApiToken.filter(user_id=user.id).update(revoked_at=NOW + timedelta(minutes=1))
    assert await services.find_api_token(token) is None
    await User.filter(id=lonely.id).update(is_active=False)
    assert await services.find_api_token(lonely_token) is None


async def test_execute_runs_a_conditional_update_and_says_whether_it_matched() -> None:
    user = await make_user(name="Before")
    changed = await execute("UPDATE core_user SET display_name = $1 WHERE id = $2 AND is_active = $3", "After", user.id, True)
    assert changed == 1 and (await User.get(id=user.id)).display_name == "After"
    missed = await execute("UPDATE core_user SET display_name = $1 WHERE id = $2 AND is_active = $3", "Again", user.id, False)
    assert missed == 0 and (await User.get(id=user.id)).display_name == "After"


async def test_update_returning_gives_back_the_changed_rows_as_objects() -> None:
    user = await make_user(name="Before")
    statement = f"UPDATE core_user SET display_name = $1 WHERE id = $2 RETURNING {returning('u', User)}"  # noqa: S608 — column list from the model
    [changed] = await fetch_models(statement, "After", user.id, models={"u": User})
    same_fields(changed["u"], await User.get(id=user.id))
    assert changed["u"].display_name == "After"


async def test_objects_from_rows_save_as_updates_like_the_orms() -> None:
    user = await make_user(name="Before")
    [row] = await fetch_models(f"SELECT {columns('u', User)} FROM core_user u WHERE u.id = $1", user.id, models={"u": User})  # noqa: S608 — column list from the model
    row["u"].display_name = "Saved"
    await row["u"].save(update_fields=["display_name"])
    assert (await User.get(id=user.id)).display_name == "Saved"
    assert await User.filter(display_name="Saved").count() == 1


async def test_the_same_number_may_appear_twice_and_out_of_order() -> None:
    user = await make_user(name="Plain")
    found = await fetch("SELECT u.display_name FROM core_user u WHERE u.id = $2 AND u.display_name = $1 AND $1 = $1", "Plain", user.id)
    assert found == [{"display_name": "Plain"}]


async def test_fetch_gives_plain_values() -> None:
    user = await make_user(name="Plain")
    found = await fetch("SELECT u.id, u.display_name FROM core_user u WHERE u.id = $1", user.id)
    assert [(str(r["id"]), r["display_name"]) for r in found] == [(str(user.id), "Plain")]
