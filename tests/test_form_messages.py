"""WTForms' own messages reach users in Vietnamese (it ships no Vietnamese catalogue; contest/forms.py does)."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, SelectMultipleField

from contest.forms import Form, as_choices


class _Sample(Form):
    one = SelectField("Một", coerce=int, choices=as_choices([(1, "A"), (2, "B")]))
    many = SelectMultipleField("Nhiều", coerce=int, choices=as_choices([(1, "A"), (2, "B")]))
    number = IntegerField("Số")


def test_wtforms_messages_are_vietnamese(app):
    with app.test_request_context(method="POST", data={"one": "9", "many": ["1", "9"], "number": "mười"}):
        form = _Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {
            "one": ["Lựa chọn không hợp lệ."],
            "many": ["“9” không phải là một lựa chọn hợp lệ."],
            "number": ["Phải là một số nguyên."],
        }


def test_a_district_organiser_choosing_a_unit_outside_their_tree_reads_vietnamese(client, login_as, make_unit):
    from contest.models import Role, UnitKind

    province = make_unit("P", kind=UnitKind.province)
    district = make_unit("P-H", parent=province, kind=UnitKind.district)
    login_as(Role.organizer, unit=district)
    response = client.post("/ban-to-chuc/cuoc-thi/moi", data={"title": "Thử", "owner_unit_id": province.id,
                                                              "eligible_unit_ids": [str(province.id)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "not a valid choice" not in page and "Not a valid" not in page
