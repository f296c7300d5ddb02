"""Atom feeds of newly published documents: all, per issuing body, per type, per saved search.

A saved search is simply its query string (``/feeds/search.atom?q=数据要素&type=意见``): a feed
reader polls it and sees the documents that match, newest first.
"""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from policies.models import IssuingBody, Policy
from search.query import InvalidQuery, SearchParams, search

FEED_SIZE = 30


def _moment(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


class PolicyFeed(Feed):
    """All documents held in full, newest first."""

    feed_type = Atom1Feed
    title = "政策知识库 · 最新文件"
    subtitle = "新收录的政策文件与解读"

    def get_object(self, request: HttpRequest, *args, **kwargs) -> object:
        return None

    def link(self, obj: object) -> str:
        return reverse("policies:list")

    def policies(self, obj: object):
        return Policy.objects.real()

    def items(self, obj: object) -> list[Policy]:
        return list(self.policies(obj).with_bodies().newest_first()[:FEED_SIZE])

    def item_title(self, item: Policy) -> str:
        return item.title

    def item_description(self, item: Policy) -> str:
        bodies = "、".join(link.body.name for link in item.body_links.all())
        parts = [bodies, item.doc_number, item.doc_type, item.abstract]
        return " · ".join(part for part in parts if part)

    def item_pubdate(self, item: Policy) -> datetime | None:
        return _moment(item.published_on or item.issued_on)

    def item_updateddate(self, item: Policy) -> datetime | None:
        return _moment(item.published_on or item.issued_on)

    def item_categories(self, item: Policy) -> list[str]:
        return [item.doc_type] if item.doc_type else []


class BodyFeed(PolicyFeed):
    def get_object(self, request: HttpRequest, slug: str) -> IssuingBody:
        return get_object_or_404(IssuingBody, slug=slug)

    def title(self, obj: IssuingBody) -> str:
        return f"政策知识库 · {obj.name}"

    def link(self, obj: IssuingBody) -> str:
        return obj.get_absolute_url()

    def policies(self, obj: IssuingBody):
        return Policy.objects.real().filter(body_links__body=obj)


class TypeFeed(PolicyFeed):
    def get_object(self, request: HttpRequest, doc_type: str) -> str:
        if not Policy.objects.real().filter(doc_type=doc_type).exists():
            raise Http404(f"no documents of type {doc_type!r}")
        return doc_type

    def title(self, obj: str) -> str:
        return f"政策知识库 · {obj}"

    def link(self, obj: str) -> str:
        return reverse("policies:list") + f"?type={obj}"

    def policies(self, obj: str):
        return Policy.objects.real().filter(doc_type=obj)


class SearchFeed(PolicyFeed):
    """Documents with a clause matching a saved search (``q`` plus the search page's filters)."""

    def get_object(self, request: HttpRequest) -> SearchParams:
        q = request.GET.get("q", "").strip()
        if not q:
            raise Http404("a search feed needs q")
        return SearchParams(
            q=q,
            limit=100,
            body=request.GET.get("body") or None,
            type=request.GET.get("type") or None,
            status=request.GET.get("status") or None,
        )

    def title(self, obj: SearchParams) -> str:
        return f"政策知识库 · 搜索“{obj.q}”"

    def link(self, obj: SearchParams) -> str:
        return reverse("search:page") + "?" + _query(obj)

    def policies(self, obj: SearchParams):
        try:
            results = search(obj)
        except InvalidQuery as exc:
            raise Http404(str(exc)) from None
        slugs = {hit.policy_slug for hit in results.items}
        return Policy.objects.real().filter(slug__in=slugs)


def _query(params: SearchParams) -> str:
    pairs = {"q": params.q, "body": params.body, "type": params.type, "status": params.status}
    return urlencode({key: value for key, value in pairs.items() if value})
