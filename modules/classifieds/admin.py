from wagtail.admin.viewsets.model import ModelViewSet

from modules.classifieds.models import Classified


class ClassifiedViewSet(ModelViewSet):
    model = Classified
    icon = "list-ul"
    add_to_admin_menu = True
    form_fields = ["title"]
