"""Heze city and its districts and counties (GB/T 2260 division codes)."""

from __future__ import annotations

HEZE = ("371700", "菏泽市", "Heze City", "city")
DISTRICTS_AND_COUNTIES = [
    ("371702", "牡丹区", "Mudan District", "district"),
    ("371703", "定陶区", "Dingtao District", "district"),
    ("371721", "曹县", "Cao County", "county"),
    ("371722", "单县", "Shan County", "county"),
    ("371723", "成武县", "Chengwu County", "county"),
    ("371724", "巨野县", "Juye County", "county"),
    ("371725", "郓城县", "Yuncheng County", "county"),
    ("371726", "鄄城县", "Juancheng County", "county"),
    ("371728", "东明县", "Dongming County", "county"),
]
BUREAU_DEPARTMENTS = [
    ("政府采购管理科", "Government Procurement Management Section"),
    ("国库科", "Treasury Section"),
    ("预算科", "Budget Section"),
    ("办公室", "General Office"),
]
