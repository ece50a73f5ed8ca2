"""Every setting of the program, read once, validated before any resource is declared.

Settings arrive as flat, camelCase keys in the project's config namespace (documented in
`Pulumi.yaml`). They are grouped into typed, frozen objects that components receive;
components never read `pulumi.Config()` themselves. Every mistake becomes one line that
names the setting and says what is allowed; all mistakes are reported together.

One module per group (`stack`, `network`, `alerting`, `airflow`, `mwaa`, `eks`,
`observability`, `access`, `schedule`), the version tables in `versions`, shared patterns and
helpers in `base`, and the whole with its one `load()` in `loader`.
"""

from components.settings.access import AIRFLOW_ROLES, AccessSettings, AccessTeam
from components.settings.airflow import AirflowSettings
from components.settings.alerting import AlertingSettings
from components.settings.base import (
    ARCHITECTURE_DEFAULTS,
    Architecture,
    SettingsError,
)
from components.settings.eks import EksSettings
from components.settings.loader import GROUPS, Settings, from_pulumi, known_keys, load
from components.settings.mwaa import MwaaSettings
from components.settings.network import NetworkSettings
from components.settings.observability import ObservabilitySettings
from components.settings.schedule import ScheduleSettings
from components.settings.stack import StackSettings
from components.settings.versions import (
    CHART_AIRFLOW_VERSIONS,
    EKS_STANDARD_VERSIONS,
    MWAA_AIRFLOW_VERSIONS,
)

__all__ = [
    "AIRFLOW_ROLES",
    "ARCHITECTURE_DEFAULTS",
    "CHART_AIRFLOW_VERSIONS",
    "EKS_STANDARD_VERSIONS",
    "GROUPS",
    "MWAA_AIRFLOW_VERSIONS",
    "AccessSettings",
    "AccessTeam",
    "AirflowSettings",
    "AlertingSettings",
    "Architecture",
    "EksSettings",
    "MwaaSettings",
    "NetworkSettings",
    "ObservabilitySettings",
    "ScheduleSettings",
    "Settings",
    "SettingsError",
    "StackSettings",
    "from_pulumi",
    "known_keys",
    "load",
]
