"""Aggregated queries over the store. Each takes filters, a scope and ``now``; each returns a small DataFrame.

Aggregation happens in the database (GROUP BY, window functions); nothing here reads the report table
into pandas.
"""

from data_access.queries.compliance import compliance_by_opd, compliance_by_opd_category, period_comparison
from data_access.queries.districts import reports_by_district, reports_by_village
from data_access.queries.flow import inflow_vs_resolved_weekly, open_by_group, time_distribution, top_categories
from data_access.queries.kpis import headline_kpis
from data_access.queries.reference_lists import ReferenceLists, reference_lists
from data_access.queries.report_lists import due_within, oldest_open_reports, report_list
from data_access.queries.reports import newest_reports, recent_report_points, report_detail
from data_access.queries.sla_breaches import breaches_over_time, overdue_by_opd
from data_access.queries.surges import surge_alerts
from data_access.queries.version import store_version
from data_access.queries.workload import opd_workload

__all__ = [
    "ReferenceLists",
    "reference_lists",
    "breaches_over_time",
    "headline_kpis",
    "newest_reports",
    "opd_workload",
    "recent_report_points",
    "overdue_by_opd",
    "report_detail",
    "reports_by_district",
    "reports_by_village",
    "store_version",
    "surge_alerts",
    "compliance_by_opd",
    "compliance_by_opd_category",
    "due_within",
    "inflow_vs_resolved_weekly",
    "oldest_open_reports",
    "open_by_group",
    "period_comparison",
    "report_list",
    "time_distribution",
    "top_categories",
]
