"""Records of the knowledge base: policies, issuing bodies, the provision tree and what a policy sets."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

HTTP_URL_VALIDATOR = URLValidator(
    schemes=["http", "https"], message="只接受 http:// 或 https:// 开头的网址"
)

# Status words that mark a document as a draft; its final version carries the same title without them.
DRAFT_STATUSES = ("征求意见稿", "草案", "送审稿")


class IssuingBodyQuerySet(models.QuerySet):
    def with_policy_counts(self) -> IssuingBodyQuerySet:
        """``policy_count``: documents held in full that the body issued or co-issued."""
        return self.annotate(
            policy_count=Count("policy_links", filter=Q(policy_links__policy__is_stub=False))
        )


class IssuingBody(models.Model):
    """An organ that issues documents (发文机关), with the short names people use for it."""

    name = models.CharField("全称", max_length=100, unique=True)
    slug = models.SlugField("标识", max_length=100, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name="简称/别名"
    )

    objects = IssuingBodyQuerySet.as_manager()

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
    """A loaded source file; its content hash makes re-loading a no-op. The original bytes,
    their format and the curator's overrides are kept so the document can be parsed again
    after a parser change without losing what the curator set."""

    name = models.CharField("文件名", max_length=200, unique=True)
    sha256 = models.CharField("内容哈希", max_length=64)
    loaded_at = models.DateTimeField("载入时间")
    original = models.BinaryField("原始文件", blank=True, default=bytes, editable=False)
    format = models.CharField("格式", max_length=10, blank=True)
    overrides = models.JSONField("人工指定", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "源文件"
        permissions = [("publish_policy", "可上传并发布政策文件")]

    def __str__(self) -> str:
        return self.name


class PolicyQuerySet(models.QuerySet):
    def real(self) -> PolicyQuerySet:
        """Documents held in full (not stubs created for unresolved citations)."""
        return self.filter(is_stub=False)

    def newest_first(self) -> PolicyQuerySet:
        """Newest by 成文日期 (else 发布日期); undated documents last rather than first."""
        return self.order_by(
            Coalesce("issued_on", "published_on").desc(nulls_last=True), F("slug").asc()
        )

    def with_bodies(self) -> PolicyQuerySet:
        """Prefetch ``body_links`` in signature order with each body: what lists and the API read."""
        return self.prefetch_related(
            Prefetch(
                "body_links", queryset=PolicyBody.objects.select_related("body").order_by("order")
            )
        )

    def for_detail(self) -> PolicyQuerySet:
        """Everything the policy page and ``GET /api/v1/policies/{slug}`` show, one query each."""
        return (
            self.with_bodies()
            .select_related("interprets")
            .prefetch_related(
                Prefetch("interpretations", queryset=Policy.objects.order_by("slug")),
                Prefetch(
                    "references",
                    queryset=Reference.objects.select_related("provision", "target"),
                ),
                Prefetch(
                    "cited_by",
                    queryset=Reference.objects.select_related("policy", "provision").order_by(
                        "policy__slug", "id"
                    ),
                ),
                Prefetch("goals", queryset=Goal.objects.select_related("provision")),
                Prefetch("targets", queryset=Target.objects.select_related("provision", "policy")),
                Prefetch(
                    "tasks",
                    queryset=Task.objects.select_related("provision", "policy").prefetch_related(
                        Prefetch(
                            "body_links",
                            queryset=TaskBody.objects.select_related("body").order_by(
                                "role", "order"
                            ),
                        )
                    ),
                ),
                "key_terms",
            )
        )


class Policy(models.Model):
    slug = models.SlugField(
        "标识", max_length=120, unique=True, help_text="稳定的 ASCII 标识，用于网址"
    )
    title = models.CharField("标题", max_length=300)
    short_title = models.CharField("简称", max_length=100, blank=True)
    doc_number = models.CharField("发文字号", max_length=100, blank=True)
    doc_agency_code = models.CharField("机关代字", max_length=50, blank=True)
    doc_year = models.PositiveIntegerField("年份", null=True, blank=True)
    doc_serial = models.PositiveIntegerField("序号", null=True, blank=True)
    doc_type = models.CharField("类型", max_length=30, blank=True)
    status = models.CharField("状态", max_length=30, blank=True)
    status_reason = models.CharField(
        "状态说明",
        max_length=200,
        blank=True,
        help_text="如：征求意见至 2024年1月31日、有效期至 2027年12月31日、被某文件废止",
    )
    status_date = models.DateField(
        "状态日期", null=True, blank=True, help_text="状态生效或截止的日期"
    )
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
    effective_on = models.DateField("施行日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)
    notice_title = models.CharField(
        "印发通知标题",
        max_length=300,
        blank=True,
        help_text="以本文件为附件的印发/发布通知",
    )
    notice_text = models.TextField("印发通知正文", blank=True)
    notes = models.JSONField(
        "文末信息",
        default=dict,
        blank=True,
        help_text="（此件公开发布）、抄送、印发和附件列表：属于文书信息，不是条款",
    )
    field_sources = models.JSONField(
        "字段来源",
        default=dict,
        blank=True,
        help_text="各元数据字段的来源：text 正文 / page 网页元数据 / curated 元数据文件 / override 人工指定",
    )
    is_stub = models.BooleanField(
        "未收录（仅存引用）",
        default=False,
        help_text="因被其他文件引用而建立、本库尚未收录全文的记录",
    )
    source = models.ForeignKey(
        SourceDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policies",
        verbose_name="源文件",
    )
    bodies = models.ManyToManyField(
        IssuingBody, through="PolicyBody", related_name="policies", verbose_name="发文机关"
    )

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

    @property
    def is_draft(self) -> bool:
        return self.status in DRAFT_STATUSES


class PolicyBody(models.Model):
    """A policy's issuing bodies in signature order: the lead body first, then co-issuers."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="body_links", verbose_name="政策文件"
    )
    body = models.ForeignKey(
        IssuingBody, on_delete=models.PROTECT, related_name="policy_links", verbose_name="发文机关"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

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
        TABLE = "table", "表格"

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="provisions", verbose_name="政策文件"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name="上级条款",
    )
    kind = models.CharField("层级", max_length=12, choices=Kind.choices)
    num = models.CharField(
        "编号", max_length=30, blank=True, help_text="按原文，如 一、 （三） 专栏 4"
    )
    heading = models.CharField("标题", max_length=300, blank=True)
    text = models.TextField("正文", blank=True)
    order = models.PositiveIntegerField("顺序", help_text="在文件中的阅读顺序")
    depth = models.PositiveSmallIntegerField("层深", default=0)
    eid = models.CharField(
        "锚点",
        max_length=120,
        help_text="Akoma Ntoso 式锚点（如 chp_4__sec_1），由文件结构决定，永久链接依赖它",
    )
    rows = models.JSONField(
        "表格", default=list, blank=True, help_text="表格的单元格，逐行，首行为表头"
    )

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

    def get_short_url(self) -> str:
        """A stable short link (/p/<slug>/<eid>) that redirects to the clause on its page."""
        return reverse("policies:clause", args=[self.policy.slug, self.eid])

    @property
    def label(self) -> str:
        return f"{self.num} {self.heading}".strip()


class Goal(models.Model):
    """A qualitative aim a policy states (发展目标)."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="goals", verbose_name="政策文件"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="goals", verbose_name="出处条款"
    )
    text = models.TextField("内容")
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "目标"

    def __str__(self) -> str:
        return self.text[:60]


class TargetQuerySet(models.QuerySet):
    def for_listing(self) -> TargetQuerySet:
        """Targets with their policy and clause, by deadline (undated last), then document order."""
        return self.select_related("policy", "provision").order_by(
            F("year").asc(nulls_last=True), "policy__slug", "order", "id"
        )


class Target(models.Model):
    """A quantified aim: metric, comparator, value, unit and deadline year, with its source sentence."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="targets", verbose_name="政策文件"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="targets", verbose_name="出处条款"
    )
    metric = models.CharField("指标", max_length=200)
    comparator = models.CharField("比较", max_length=20, blank=True)
    value = models.DecimalField("数值", max_digits=20, decimal_places=4)
    unit = models.CharField("单位", max_length=20, blank=True)
    year = models.PositiveIntegerField("期限", null=True, blank=True)
    sentence = models.TextField("原句")
    order = models.PositiveIntegerField("顺序", default=0)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "量化指标"

    def __str__(self) -> str:
        return f"{self.metric} {self.comparator} {self.value:g}{self.unit}"

    def get_absolute_url(self) -> str:
        """The clause stating the target (reads ``policy`` and ``provision``, both selected)."""
        return f"{self.policy.get_absolute_url()}#{self.provision.eid}"


class Task(models.Model):
    """An action a policy sets (主要任务, 重点行动), linked to the provision that states it."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="tasks", verbose_name="政策文件"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="tasks", verbose_name="出处条款"
    )
    title = models.CharField("任务", max_length=300)
    order = models.PositiveIntegerField("顺序", default=0)
    bodies = models.ManyToManyField(
        IssuingBody, through="TaskBody", related_name="tasks", verbose_name="牵头与配合单位"
    )

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = verbose_name_plural = "任务"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.policy.get_absolute_url()}#{self.provision.eid}"

    def _bodies(self, role: str) -> list[IssuingBody]:
        # Iterate the prefetched links when there are any (lists of tasks prefetch them).
        return [link.body for link in self.body_links.all() if link.role == role]

    @property
    def leads(self) -> list[IssuingBody]:
        return self._bodies(TaskBody.Role.LEAD)

    @property
    def partners(self) -> list[IssuingBody]:
        return self._bodies(TaskBody.Role.PARTNER)


class TaskBody(models.Model):
    """A body named for a task in a division-of-labour table: 牵头 (lead) or 配合 (partner)."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头"
        PARTNER = "partner", "配合"

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="body_links", verbose_name="任务"
    )
    body = models.ForeignKey(
        IssuingBody, on_delete=models.PROTECT, related_name="task_links", verbose_name="单位"
    )
    role = models.CharField("分工", max_length=8, choices=Role.choices)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["task", "role", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "body", "role"], name="task_body_role_once")
        ]
        verbose_name = verbose_name_plural = "任务分工"

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.body}"


class Reference(models.Model):
    """A provision naming a policy by 《title》, a 解读 pointing at the policy it interprets, or
    a step in a document's lineage (draft → final, basis → implementing, amends/replaces/repeals).

    Every relation reads "``policy`` <relation> ``target``": the draft *has final version*
    target, the plan *implements* target, the new rules *repeal* target."""

    class Relation(models.TextChoices):
        CITES = "cites", "引用"
        INTERPRETS = "interprets", "解读"
        FINAL = "final", "定稿为"
        BASIS = "basis", "依据"
        IMPLEMENTS = "implements", "贯彻落实"
        AMENDS = "amends", "修订"
        REPLACES = "replaces", "替代"
        REPEALS = "repeals", "废止"

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="references", verbose_name="政策文件"
    )
    provision = models.ForeignKey(
        Provision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="references",
        verbose_name="出处条款",
    )
    cited_title = models.CharField("所引标题", max_length=300)
    target = models.ForeignKey(
        Policy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cited_by",
        verbose_name="所引文件",
    )
    relation = models.CharField(
        "关系", max_length=12, choices=Relation.choices, default=Relation.CITES
    )

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

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="key_terms", verbose_name="政策文件"
    )
    term = models.CharField("关键词", max_length=60)
    occurrences = models.PositiveIntegerField("出现次数", default=1)
    curated = models.BooleanField(
        "人工认定", default=False, help_text="由编辑认定的专有术语，即使未加引号或定义也计入相关性"
    )

    class Meta:
        ordering = ["policy", "-occurrences", "term"]
        constraints = [models.UniqueConstraint(fields=["policy", "term"], name="key_term_once")]
        indexes = [models.Index(fields=["term"], name="key_term_term")]
        verbose_name = verbose_name_plural = "关键词"

    def __str__(self) -> str:
        return self.term
