"""A division-of-labour annex as readers and tools see it: rows in the API, an HTML table and a
task matrix on the policy page, the tasks a body leads on its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from policies.ingest.load import load_files
from policies.models import IssuingBody, Policy

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).parent / "fixtures" / "docs"


@pytest.fixture
def plan() -> Policy:
    load_files([DOCS / "nanling_sme_digital_plan.md"], log=lambda message: None)
    return Policy.objects.get(source__name="nanling_sme_digital_plan.md")


def test_api_tasks_carry_lead_and_partners(client, plan):
    response = client.get(f"/api/v1/policies/{plan.slug}")
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert [
        (t["title"], [b["name"] for b in t["lead"]], [b["name"] for b in t["partners"]])
        for t in tasks
    ] == [
        ("建设公共服务平台", ["南岭市工业和信息化局"], ["南岭市财政局", "南岭市数据局"]),
        ("开展示范培育", ["南岭市工业和信息化局"], ["南岭市科学技术局"]),
        ("加强人才培训", ["南岭市人力资源和社会保障局"], ["南岭市工业和信息化局"]),
    ]
    assert response.json()["field_sources"]["doc_number"] == "text"


def test_api_provisions_carry_table_rows(client, plan):
    response = client.get(f"/api/v1/policies/{plan.slug}/provisions", {"limit": 100})
    assert response.status_code == 200
    tables = [p for p in response.json()["items"] if p["kind"] == "table"]
    assert len(tables) == 1
    assert tables[0]["rows"][0] == ["序号", "重点任务", "牵头单位", "配合单位"]
    assert tables[0]["rows"][3] == [
        "3",
        "加强人才培训",
        "南岭市人力资源和社会保障局",
        "南岭市工业和信息化局",
    ]
    assert all(p["rows"] == [] for p in response.json()["items"] if p["kind"] != "table")


def test_policy_page_shows_table_and_task_matrix(client, plan):
    html = client.get(plan.get_absolute_url()).content.decode()
    assert '<th scope="col">牵头单位</th>' in html
    assert "<td>南岭市财政局、南岭市数据局</td>" in html  # the annex table, cell for cell
    matrix = html[html.index('class="task-matrix"') :]
    matrix = matrix[: matrix.index("</table>")]
    assert matrix.count("<tr>") == 4  # header + three tasks
    body = IssuingBody.objects.get(name="南岭市人力资源和社会保障局")
    assert f'<a href="{body.get_absolute_url()}">南岭市人力资源和社会保障局</a>' in matrix


def test_body_page_lists_tasks_it_leads(client, plan):
    body = IssuingBody.objects.get(name="南岭市工业和信息化局")
    html = client.get(reverse("policies:body", args=[body.slug])).content.decode()
    led = html[html.index('class="led-tasks"') :]
    assert "建设公共服务平台" in led and "开展示范培育" in led
    assert "加强人才培训" not in led  # it only takes part in that one


def test_admin_policy_page_shows_where_each_field_came_from(admin_client, plan):
    response = admin_client.get(reverse("admin:policies_policy_change", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "字段来源" in html
    assert "doc_number: text" in html and "issued_on: text" in html
    # read-only: no form input for it
    assert 'name="field_sources"' not in html


def test_policy_page_shows_notice_attachments_and_dates_outside_the_text(client):
    load_files([DOCS / "donghu_innovation_voucher_notice.txt"], log=lambda message: None)
    policy = Policy.objects.get(source__name="donghu_innovation_voucher_notice.txt")
    html = client.get(policy.get_absolute_url()).content.decode()
    assert '<tr><th scope="row">附件</th><td>东湖省科技创新券管理实施细则</td></tr>' in html
    assert '<tr><th scope="row">公开方式</th><td>此件公开发布</td></tr>' in html
    assert '<tr><th scope="row">有效期至</th><td>2029年2月15日</td></tr>' in html
    assert (
        "<summary>东湖省科学技术厅 东湖省财政厅关于印发《东湖省科技创新券管理实施细则》的通知</summary>"
        in html
    )
    body_text = html[html.index('aria-label="正文"') :]
    assert "此件公开发布" not in body_text
