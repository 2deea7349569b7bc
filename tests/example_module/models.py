from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Book(models.Model):
    commune = models.ForeignKey(
        "communes.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=120)
    left_at = models.DateTimeField(_("left on"), default=timezone.now)
    taken_at = models.DateTimeField(_("taken on"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)  # moderation

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")
        ordering = ["-left_at", "-pk"]

    def __str__(self) -> str:
        return self.title
