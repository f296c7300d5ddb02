"""Documents linked by the key terms they share (quoted coinages, 以下简称)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from policies.models import Policy
from policies.related import key_terms, related_policies

pytestmark = pytest.mark.django_db


def test_key_terms_from_quotes_and_definitions():
    text = "发展“数据即服务”“知识即服务”等新业态。《关于加强数据科技创新的实施意见》（以下简称《意见》）"
    # 《意见》 is shorthand for a title and an everyday word: not a coinage (issue 9)
    assert key_terms([text]) == {"数据即服务": 1, "知识即服务": 1}
    # quoted sentences and single characters are not terms
    assert key_terms(["“要充分发挥海量数据和丰富应用场景优势，促进融合”", "“1”个中心"]) == {}


def test_guidance_and_data_article_share_service_terms():
    guidance = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
    article = Policy.objects.get(title="加快建设人工智能高质量数据集")
    related = dict((other.pk, shared) for other, shared in related_policies(guidance))
    assert related[article.pk] == ["数据即服务", "模型即服务", "知识即服务"]
    # the action plan and the 1836号 guidance both speak of “数据要素×”
    plan = Policy.objects.get(status="征求意见稿")
    assert "数据要素×" in dict((o.pk, s) for o, s in related_policies(plan))[guidance.pk]


def test_related_shown_on_page_and_in_api(client):
    guidance = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
    page = client.get(reverse("policies:detail", args=[guidance.slug])).content.decode()
    assert "相关文件" in page and "加快建设人工智能高质量数据集" in page
    data = client.get(f"/api/v1/policies/{guidance.slug}").json()
    assert "智改数转" in data["key_terms"]
    assert {"slug", "title", "shared_terms"} <= set(data["related"][0])
