"""Site pages of communities (CTY), under /communautes/, one module per kind of page.

Thin views: every write is one ``communities.services`` call inside
``core.forms.service_errors``, whose refusal becomes form errors or a message; reads
come from ``communities.selectors``, which also answers who may see a community
(``access_community``) and do what (``can_<verb>``); every person shown goes through the
privacy matrix (``privacy.matrix``): templates only ever get ``PersonCard``s.

Who sees what:

* public (``public``, ``invitations``): the list of communities (CTY-3), their
  boundaries as GeoJSON and the page an invitation link opens (CTY-10); no personal
  data on any of them;
* logged-in people (``mine``): "my community" (their state), creating a community
  (CTY-1, validated residents of the commune), asking to join (CTY-4), leaving;
* members only (``community``, ``invitations``): the community's page, directory
  (CTY-13), history (CTY-9) and invitations. Anyone else, pending members included,
  gets a 404 (CTY-4);
* référents: requests (``membership``, or the platform's staff), roles
  (``referents``, CTY-7), exclusion requests (``exclusions``, CTY-8), name and
  showcase (``community``, CTY-11/12), merges (``merges``, CTY-12).

The pages of one community live on its commune's host (``community_view``): another
commune's host answers 404, the platform's own host redirects a member's GET there.
"""

from communities.views._common import community_view

__all__ = ["community_view"]
