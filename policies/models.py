"""Records of the knowledge base: policies, issuing bodies, the provision tree and what a policy sets."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse

HTTP_URL_VALIDATOR = URLValidator(
    schemes=["http", "https"], message="只接受 http:// 或 https:// 开头的网址"
)


class IssuingBody(models.Model):
    """An organ that issues documents (发文机关), with the short names people use for it."""

    name = models.CharField("全称", max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name="简称/别名"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "发文机关"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("policies:body", args=[self.slug])

    @property
    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


class SourceDocument(models.Model):
    """A loaded source file; its content hash makes re-loading a no-op."""

    name = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "源文件"

    def __str__(self) -> str:
        return self.name


class PolicyQuerySet(models.QuerySet):
    def real(self) -> PolicyQuerySet:
        """Documents held in full (not stubs created for unresolved citations)."""
        return self.filter(is_stub=False)


class Policy(models.Model):
    slug = models.SlugField(max_length=120, unique=True, help_text="stable ASCII identifier")
    title = models.CharField("标题", max_length=300)
    short_title = models.CharField("简称", max_length=100, blank=True)
    doc_number = models.CharField("发文字号", max_length=100, blank=True)
    doc_agency_code = models.CharField("机关代字", max_length=50, blank=True)
    doc_year = models.PositiveIntegerField("年份", null=True, blank=True)
    doc_serial = models.PositiveIntegerField("序号", null=True, blank=True)
    doc_type = models.CharField("类型", max_length=30, blank=True)
    status = models.CharField("状态", max_length=30, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    publisher = models.CharField("发布者/来源", max_length=200, blank=True)
    # http(s) only: the URL is rendered as a link, and javascript:/data: links are script.
    source_url = models.URLField(
        "来源网址", max_length=500, blank=True, validators=[HTTP_URL_VALIDATOR]
    )
    authors = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name="作者"
    )
    abstract = models.TextField("摘要", blank=True)
    comment_period_start = models.DateField("征求意见开始", null=True, blank=True)
    comment_period_end = models.DateField("征求意见截止", null=True, blank=True)
    interprets = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interpretations",
        verbose_name="解读对象",
    )
    is_stub = models.BooleanField(
        default=False, help_text="created for a cited title the knowledge base does not hold yet"
    )
    source = models.ForeignKey(
        SourceDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="policies"
    )
    bodies = models.ManyToManyField(IssuingBody, through="PolicyBody", related_name="policies")

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "slug"]
        verbose_name = verbose_name_plural = "政策文件"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:detail", args=[self.slug])

    def ordered_bodies(self) -> list[IssuingBody]:
        return [link.body for link in self.body_links.select_related("body").order_by("order")]

    @property
    def year(self) -> int | None:
        day = self.issued_on or self.published_on
        return day.year if day else None


class PolicyBody(models.Model):
    """A policy's issuing bodies in signature order: the lead body first, then co-issuers."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="body_links")
    body = models.ForeignKey(IssuingBody, on_delete=models.PROTECT, related_name="policy_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["policy", "body"], name="policy_body_once")]
        verbose_name = verbose_name_plural = "发文机关顺序"

    def __str__(self) -> str:
        return f"{self.order}. {self.body}"


class Provision(models.Model):
    class Kind(models.TextChoices):
        PART = "part", "编"
        CHAPTER = "chapter", "章"
        SECTION = "section", "节"
        ARTICLE = "article", "条"
        ITEM = "item", "项"
        SUBITEM = "subitem", "目"
        BOX = "box", "专栏"
        ANNEX = "annex", "附件"
        PARAGRAPH = "paragraph", "段"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="provisions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    num = models.CharField(
        "编号", max_length=30, blank=True, help_text="as printed, e.g. 一、 （三） 专栏 4"
    )
    heading = models.CharField("标题", max_length=300, blank=True)
    text = models.TextField("正文", blank=True)
    order = models.PositiveIntegerField(help_text="reading order within the policy")
    depth = models.PositiveSmallIntegerField(default=0)
    eid = models.CharField(max_length=120, help_text="Akoma Ntoso style anchor, e.g. chp_4__sec_1")

    class Meta:
        ordering = ["policy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "eid"], name="provision_eid_unique"),
            models.UniqueConstraint(fields=["policy", "order"], name="provision_order_unique"),
        ]
        verbose_name = verbose_name_plural = "条款"

    def __str__(self) -> str:
        return f"{self.num}{self.heading}".strip() or self.eid

    def get_absolute_url(self) -> str:
        return f"{self.policy.get_absolute_url()}#{self.eid}"

    @property
    def label(self) -> str:
        return f"{self.num} {self.heading}".strip()


class Goal(models.Model):
    """A qualitative aim a policy states (发展目标)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="goals")
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "目标"

    def __str__(self) -> str:
        return self.text[:60]


class Target(models.Model):
    """A quantified aim: metric, comparator, value, unit and deadline year, with its source sentence."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField("指标", max_length=200)
    comparator = models.CharField("比较", max_length=20, blank=True)
    value = models.DecimalField(max_digits=20, decimal_places=4)
    unit = models.CharField("单位", max_length=20, blank=True)
    year = models.PositiveIntegerField("期限", null=True, blank=True)
    sentence = models.TextField("原句")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "量化指标"

    def __str__(self) -> str:
        return f"{self.metric} {self.comparator} {self.value:g}{self.unit}"


class Task(models.Model):
    """An action a policy sets (主要任务, 重点行动), linked to the provision that states it."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="tasks")
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "任务"

    def __str__(self) -> str:
        return self.title


class Reference(models.Model):
    """A provision naming a policy by 《title》, or a 解读 pointing at the policy it interprets."""

    class Relation(models.TextChoices):
        CITES = "cites", "引用"
        INTERPRETS = "interprets", "解读"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="references")
    provision = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.CASCADE, related_name="references"
    )
    cited_title = models.CharField(max_length=300)
    target = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="cited_by"
    )
    relation = models.CharField(max_length=12, choices=Relation.choices, default=Relation.CITES)

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = verbose_name_plural = "引用"

    def __str__(self) -> str:
        return f"《{self.cited_title}》"

    @property
    def resolved(self) -> bool:
        return self.target_id is not None and not self.target.is_stub


class KeyTerm(models.Model):
    """A term a policy marks as its own (“quoted”, or defined with 以下简称): the thread that ties
    documents on the same subject together when neither cites the other."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="key_terms")
    term = models.CharField(max_length=60)
    occurrences = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["policy", "-occurrences", "term"]
        constraints = [models.UniqueConstraint(fields=["policy", "term"], name="key_term_once")]
        indexes = [models.Index(fields=["term"], name="key_term_term")]
        verbose_name = verbose_name_plural = "关键词"

    def __str__(self) -> str:
        return self.term
