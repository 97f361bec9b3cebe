"""``/api/v1/reports``: what I may run, a run as JSON, errors as JSON."""
from __future__ import annotations


def test_list_of_reports_available_to_me(login_as):
    deputy = login_as("deputy").get("/api/v1/reports/")
    assert deputy.status_code == 200
    keys = {r["key"] for r in deputy.json}
    assert {"class_progress", "class_teacher_report", "student_card", "class_attendance", "mark_accumulation",
            "journal_timeliness", "final_forecast", "objectivity"} <= keys
    progress = next(r for r in deputy.json if r["key"] == "class_progress")
    assert progress["title"] == "Сводная ведомость успеваемости"
    assert {p["name"] for p in progress["params"]} == {"term_id", "class_id"}
    teacher_keys = {r["key"] for r in login_as("teacher").get("/api/v1/reports/").json}
    assert "objectivity" not in teacher_keys and "class_progress" in teacher_keys


def test_run_a_report_as_json(login_as, demo):
    client = login_as("class_teacher")
    answer = client.get(f"/api/v1/reports/class_progress?class_id={demo.classes['5А']}")
    assert answer.status_code == 200
    body = answer.json
    assert body["params"]["class_id"] == str(demo.classes["5А"]) and body["params"]["term_id"] == str(demo.term_id)
    result = body["result"]
    assert result["title"] == "Сводная ведомость успеваемости"
    figures = {f["key"]: f["value"] for f in result["summary"]}
    assert 0 <= figures["quality"] <= 100
    row = result["tables"][0]["rows"][0]
    assert any(url and url.startswith("/gradebook/journal") for url in row["links"].values())
    assert result["charts"][0]["kind"] == "bar"


def test_api_errors(login_as, demo):
    client = login_as("class_teacher")
    bad = client.get("/api/v1/reports/class_attendance?class_id=abc")
    assert bad.status_code == 422
    assert bad.json["error"]["fields"]["class_id"] == "Выберите класс из списка."
    denied = login_as("teacher").get("/api/v1/reports/class_progress")
    assert denied.status_code == 403
    assert "только по вашим классам" in denied.json["error"]["message"]
    assert client.get("/api/v1/reports/no_such").status_code == 404


def test_received_reports_in_the_api(login_as):
    answer = login_as("class_teacher").get("/api/v1/reports/received")
    assert answer.status_code == 200
    assert answer.json[0]["title"] == "Сводная ведомость успеваемости"
    assert answer.json[0]["url"].startswith("/reports/runs/")
