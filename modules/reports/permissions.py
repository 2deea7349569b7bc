# PLACEHOLDER
from wagtail.permission_policies import ModelPermissionPolicy


class ReportPermissionPolicy(ModelPermissionPolicy):
    pass


class CategoryPermissionPolicy(ModelPermissionPolicy):
    pass


class ServicePermissionPolicy(ModelPermissionPolicy):
    pass


class IntegratorPermissionPolicy(ModelPermissionPolicy):
    pass
