"""Demo data of the gazette (CNT-2): a few posts with photos in each demo community.

Call ``gazette.demo.load(commune)`` from ``manage.py load_demo`` once the communities and
their members exist (after ``communities.demo.load``). The photos are drawn with Pillow
(nothing is downloaded). Idempotent: a community whose gazette has posts is left as it is.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from communities.models import Community, Membership
from gazette.models import Post
from gazette.services import comment_create, post_create

POSTS = (
    (
        "neighbours_day",
        "Fête des voisins le samedi 6 juin",
        "On installe les tables dans la cour à partir de 18 h. Chacun apporte un plat ou une "
        "boisson ; les enfants sont les bienvenus !",
        ((240, 170, 60), (70, 120, 200)),
        "Je ferai une tarte aux pommes.",
    ),
    (
        "lost_found",
        "Chat roux trouvé rue des Lilas",
        "Un jeune chat roux très câlin attend son maître devant le numéro 12. Il porte un "
        "collier bleu sans médaille.",
        ((200, 90, 40), (90, 160, 90)),
        "Je crois que c’est celui des voisins du 3e, je leur demande.",
    ),
    (
        "help",
        "Qui peut arroser mes plantes en août ?",
        "Je pars deux semaines à partir du 3 août. Je laisse la clé et je rends la pareille "
        "avec plaisir !",
        ((60, 150, 110), (230, 220, 160)),
        None,
    ),
)


def demo_photo(colors: tuple[tuple[int, int, int], tuple[int, int, int]], seed: int):
    """A small landscape drawn with Pillow: a gradient sky, a sun and two roofs."""
    width, height = 640, 420
    top, bottom = colors
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        ratio = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(top[i] * (1 - ratio) + bottom[i] * ratio) for i in range(3)),
        )
    sun = 80 + 60 * seed
    draw.ellipse([sun, 50, sun + 90, 140], fill=(255, 230, 120))
    for left in (120, 360):
        draw.rectangle([left, 250, left + 160, 400], fill=(240, 235, 225))
        draw.polygon([(left - 10, 250), (left + 80, 180), (left + 170, 250)], fill=(160, 60, 50))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{seed}.jpg", output.getvalue(), content_type="image/jpeg")


def load(commune) -> None:
    for community in Community.objects.filter(commune=commune).order_by("pk"):
        if Post.objects.filter(community=community).exists():
            continue
        members = [
            membership.user
            for membership in Membership.objects.members()
            .filter(community=community)
            .select_related("user")
            .order_by("-is_referent", "pk")
        ]
        if not members:
            continue
        for index, (category, title, body, colors, answer) in enumerate(POSTS):
            author = members[index % len(members)]
            post = post_create(
                community=community,
                author=author,
                category=category,
                title=title,
                body=body,
                photos=[demo_photo(colors, index)] if index < 2 else [],
            )
            if answer and len(members) > 1:
                comment_create(post=post, author=members[(index + 1) % len(members)], body=answer)
