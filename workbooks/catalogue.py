"""The 2021/22 templates (seeds/000, seeds/004): every xlsx collection of the demo round.

Each collection starts at version 2021.1. ACT also has 2021.2, the mid-round "macro fix"
(seeds/004 §6.3): it adds a DEXA line to diagnostics and corrects the ERF upper-threshold formula,
which in 2021.1 left out the counting-and-coding adjustment.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from erf.calculator import working_day_ratio as erf_working_day_ratio

from .model import GridSheet, Measure, SumRule, TableColumn, TableRow, TableSheet, TemplateSpec

MONTHS_2122 = (
    "Apr-21",
    "May-21",
    "Jun-21",
    "Jul-21",
    "Aug-21",
    "Sep-21",
    "Oct-21",
    "Nov-21",
    "Dec-21",
    "Jan-22",
    "Feb-22",
    "Mar-22",
)
H1_2122 = MONTHS_2122[:6]

# Activity rarely moves more than half away from 2019/20 or by a third in a month; beyond that a
# reviewer will ask, so the submitter should explain it.
ACTIVITY_BAND = (0.5, 1.5)
MONTH_BAND = 0.35
WORKFORCE_BAND = (0.8, 1.25)
WORKFORCE_MONTH_BAND = 0.1


def _activity(code: str, label: str, unit: str = "count") -> Measure:
    return Measure(code, label, unit, baseline_band=ACTIVITY_BAND, month_band=MONTH_BAND)


def _unbanded(code: str, label: str, unit: str = "count") -> Measure:
    # Waiting lists and new services (virtual wards) are meant to move far from 2019/20.
    return Measure(code, label, unit)


def _staff(code: str, label: str) -> Measure:
    return Measure(
        code, label, "wte", baseline_band=WORKFORCE_BAND, month_band=WORKFORCE_MONTH_BAND
    )


def _money(code: str, label: str, unit: str = "gbp_k") -> Measure:
    return Measure(code, label, unit)


ACT_MEASURES_COMMON_HEAD = (
    _activity("EL-ORD", "Elective ordinary spells"),
    _activity("EL-DC", "Elective day case spells"),
    _activity("EL-TOT", "Elective spells: total"),
    _unbanded("EL-RTT52", "Patients waiting more than 52 weeks (RTT)"),
    _activity("OP-FA", "Outpatient first attendances without procedure"),
    _activity("OP-FU", "Outpatient follow-up attendances without procedure"),
    _activity("OP-PROC", "Outpatient attendances with procedure"),
    _activity("OP-TOT", "Outpatient attendances: total"),
    Measure(
        "OP-REMOTE",
        "Outpatient attendances delivered remotely (share)",
        "percent",
        floor=25,
        floor_reason="the guidance asks for at least 25% of attendances to be remote",
    ),
    _unbanded("OP-PIFU", "Patients moved or discharged to patient-initiated follow-up (PIFU)"),
    _unbanded("OP-AG", "Advice and guidance requests"),
    _activity("DG-MRI", "Diagnostic tests: MRI"),
    _activity("DG-CT", "Diagnostic tests: CT"),
    _activity("DG-NOUS", "Diagnostic tests: non-obstetric ultrasound"),
    _activity("DG-COLON", "Diagnostic tests: colonoscopy"),
    _activity("DG-FSIG", "Diagnostic tests: flexible sigmoidoscopy"),
    _activity("DG-GASTRO", "Diagnostic tests: gastroscopy"),
    _activity("DG-ECHO", "Diagnostic tests: echocardiography"),
)
ACT_MEASURES_COMMON_TAIL = (
    _activity("DG-TOT", "Diagnostic tests: total"),
    _activity("CA-2WW", "Urgent suspected cancer referrals seen"),
    _activity("CA-FT", "Cancer first definitive treatments"),
    _unbanded("CA-62", "Patients waiting more than 62 days on a cancer pathway"),
    Measure(
        "CA-FDS", "Faster Diagnosis Standard: diagnosed or ruled out within 28 days", "percent"
    ),
    _activity("UEC-AE", "A&E attendances (all types)"),
    _activity("UEC-NEL", "Non-elective spells"),
    _activity("UEC-GA", "General and acute beds available"),
    _unbanded("UEC-VW", "Virtual ward beds"),
    _activity("MH-CYP", "Children and young people accessing community mental health services"),
    _activity("MH-IAPT", "People accessing IAPT services"),
    _unbanded("MH-SMI", "Physical health checks for people with severe mental illness"),
    _unbanded("MH-OAP", "Inappropriate out-of-area placement bed days"),
    _unbanded("LD-AHC", "Annual health checks for people with a learning disability"),
    _unbanded("LD-INP", "Inpatients with a learning disability or autism"),
)
DIAGNOSTIC_PARTS = ("DG-MRI", "DG-CT", "DG-NOUS", "DG-COLON", "DG-FSIG", "DG-GASTRO", "DG-ECHO")
ACT_SUMS_COMMON = (
    SumRule("ACT.SUM.001", "EL-TOT", ("EL-ORD", "EL-DC")),
    SumRule("ACT.SUM.002", "OP-TOT", ("OP-FA", "OP-FU", "OP-PROC")),
)


ERF_MONTHS = (
    (4, "April 2021", 70),
    (5, "May 2021", 75),
    (6, "June 2021", 80),
    (7, "July 2021", 85),
    (8, "August 2021", 85),
    (9, "September 2021", 85),
)


def working_day_ratio(*, month: int) -> float:
    """The ERF calculator's working-day ratio for a 2021 month (SPEC §7), to four places for the sheet."""
    ratio = erf_working_day_ratio(month=f"2021-{month:02d}")
    return float(ratio.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _erf_sheet(*, upper_formula: str) -> TableSheet:
    return TableSheet(
        name="ERF",
        title="Elective Recovery Fund estimate, April to September 2021 (2021/22 implementation guidance, section 3)",
        label_header="Month",
        rows=tuple(
            TableRow(
                f"ERF-{month:02d}",
                label,
                {"Threshold %": percent, "Working-day ratio": working_day_ratio(month=month)},
            )
            for month, label, percent in ERF_MONTHS
        ),
        columns=(
            TableColumn("2019/20 baseline value (£)", "gbp"),
            TableColumn("Threshold %", "percent", kind="constant"),
            TableColumn("Working-day ratio", "ratio"),
            TableColumn("Counting and coding adjustment (£)", "gbp_signed"),
            TableColumn("Planned activity value (£)", "gbp"),
            TableColumn(
                "Lower threshold (£)",
                "gbp",
                kind="formula",
                formula="=ROUND(C{r}*D{r}/100*E{r}-F{r},0)",
            ),
            TableColumn("Upper threshold (£)", "gbp", kind="formula", formula=upper_formula),
            TableColumn(
                "Estimated additional funding (£)",
                "gbp",
                kind="formula",
                formula="=ROUND(MAX(0,MIN(G{r},I{r})-H{r})+1.2*MAX(0,G{r}-I{r}),0)",
            ),
        ),
    )


def _act_spec(
    *, version: str, extra_diagnostics: tuple[Measure, ...], upper_formula: str, changes: str
) -> TemplateSpec:
    parts = DIAGNOSTIC_PARTS + tuple(measure.code for measure in extra_diagnostics)
    activity = GridSheet(
        name="Activity",
        title="Activity and performance plan: system total, then each provider and CCG",
        measures=ACT_MEASURES_COMMON_HEAD + extra_diagnostics + ACT_MEASURES_COMMON_TAIL,
        periods=MONTHS_2122,
        member_kinds=("provider", "ccg"),
        # CCG blocks are the commissioner view of the same activity: adding them in would count it twice.
        total_of=("provider",),
        total_rule="ACT.SYS.001",
        sums=ACT_SUMS_COMMON + (SumRule("ACT.SUM.003", "DG-TOT", parts),),
    )
    return TemplateSpec(
        collection_code="ACT",
        version=version,
        title="Activity and performance plan 2021/22",
        sheets=(activity, _erf_sheet(upper_formula=upper_formula)),
        instructions=(
            "Give the 2019/20 baseline and a plan for every month from April 2021 to March 2022.",
            "The first block of rows is the system total; it must equal the sum of the provider blocks.",
            "Each CCG block is the commissioner view of its population's activity.",
            "Totals must equal the sum of their parts: elective = ordinary + day case; outpatients = first + "
            "follow-up + with procedure; diagnostics = the sum of the modalities.",
            "At least 25% of outpatient attendances should be delivered remotely (2021/22 priorities and operational planning guidance).",
            "ERF sheet: enter the 2019/20 baseline value, any counting-and-coding adjustment and the planned "
            "activity value for each month; the thresholds and the funding estimate are calculated.",
        ),
        changes=changes,
    )


ACT_2021_1 = _act_spec(
    version="2021.1",
    extra_diagnostics=(),
    upper_formula="=ROUND(C{r}*0.85*E{r},0)",
    changes="First issue.",
)
ACT_2021_2 = _act_spec(
    version="2021.2",
    extra_diagnostics=(_activity("DG-DEXA", "Diagnostic tests: DEXA scan"),),
    upper_formula="=ROUND(C{r}*0.85*E{r}-F{r},0)",
    changes="Macro fix: adds DEXA scans to diagnostics; the ERF upper threshold now subtracts the "
    "counting-and-coding adjustment.",
)

STAFF_GROUPS = (
    _staff("WF-MED", "Medical and dental"),
    _staff("WF-NUR", "Registered nursing, midwifery and health visiting"),
    _staff("WF-STT", "Registered scientific, therapeutic and technical"),
    _staff("WF-SUP", "Support to clinical staff"),
    _staff("WF-INF", "NHS infrastructure support"),
    _staff("WF-SUB", "Substantive staff: total"),
    _staff("WF-BANK", "Bank staff"),
    _staff("WF-AGENCY", "Agency staff"),
    _staff("WF-TOT", "Total workforce"),
)
STAFF_SUMS = (
    SumRule("WF.SUM.001", "WF-SUB", ("WF-MED", "WF-NUR", "WF-STT", "WF-SUP", "WF-INF")),
    SumRule("WF.SUM.002", "WF-TOT", ("WF-SUB", "WF-BANK", "WF-AGENCY")),
)
WF_2021_1 = TemplateSpec(
    collection_code="WF",
    version="2021.1",
    title="Workforce plan 2021/22: acute, community and primary care",
    sheets=(
        GridSheet(
            name="Workforce",
            title="Workforce in post (WTE) at each month end: system total, then each provider",
            measures=STAFF_GROUPS
            + (
                Measure("WF-SICK", "Sickness absence rate", "percent"),
                Measure("WF-TURN", "Staff turnover rate (12 months)", "percent"),
            ),
            periods=MONTHS_2122,
            baseline_label="Mar-20 baseline",
            member_kinds=("provider",),
            total_of=("provider",),
            total_rule="WF.SYS.001",
            sums=STAFF_SUMS,
        ),
        GridSheet(
            name="Primary care",
            title="Primary care workforce (WTE) across the system",
            measures=(
                _staff("PC-GP", "GPs (excluding registrars)"),
                _staff("PC-REG", "GP registrars"),
                _staff("PC-NUR", "Practice nurses"),
                _unbanded(
                    "PC-ARRS",
                    "Direct patient care roles (Additional Roles Reimbursement Scheme)",
                    "wte",
                ),
                _staff("PC-ADMIN", "Admin and non-clinical"),
                _unbanded("PC-TOT", "Primary care workforce: total", "wte"),
            ),
            periods=MONTHS_2122,
            baseline_label="Mar-20 baseline",
            sums=(
                SumRule(
                    "WF.SUM.003", "PC-TOT", ("PC-GP", "PC-REG", "PC-NUR", "PC-ARRS", "PC-ADMIN")
                ),
            ),
        ),
    ),
    instructions=(
        "Give whole-time equivalents (WTE) in post at the end of each month, April 2021 to March 2022.",
        "Substantive staff = the five staff groups; total workforce = substantive + bank + agency.",
        "The first block is the system total; it must equal the sum of the provider blocks.",
        "Activity and workforce plans must align (2021/22 implementation guidance, section 6.4).",
    ),
    changes="First issue.",
)

MH_STAFF = (
    _staff("MH-PSY-C", "Consultant psychiatrists"),
    _staff("MH-MED-O", "Other medical staff"),
    _staff("MH-NUR", "Mental health nurses"),
    _staff("MH-PSYCH", "Clinical psychologists"),
    _staff("MH-IAPT-T", "Psychological therapists (IAPT)"),
    _staff("MH-AHP", "Allied health professionals"),
    _staff("MH-PEER", "Peer support workers"),
    _staff("MH-SUPP", "Support workers"),
    _staff("MH-ADMIN", "Admin and infrastructure"),
    _staff("MH-SUB", "Substantive staff: total"),
    _staff("MH-BANK", "Bank staff"),
    _staff("MH-AGENCY", "Agency staff"),
    _staff("MH-TOT", "Total mental health workforce"),
)
MH_STAFF_SUMS = (
    SumRule(
        "MHWF.SUM.001",
        "MH-SUB",
        (
            "MH-PSY-C",
            "MH-MED-O",
            "MH-NUR",
            "MH-PSYCH",
            "MH-IAPT-T",
            "MH-AHP",
            "MH-PEER",
            "MH-SUPP",
            "MH-ADMIN",
        ),
    ),
    SumRule("MHWF.SUM.002", "MH-TOT", ("MH-SUB", "MH-BANK", "MH-AGENCY")),
)
MH_INSTRUCTIONS = (
    "Give whole-time equivalents (WTE) in post at the end of each month, April 2021 to March 2022.",
    "The workforce plan must deliver the growth the Long Term Plan mental health ambitions need (2021/22 priorities and operational planning guidance).",
    "Substantive staff = the staff groups above it; total = substantive + bank + agency.",
)
MHWF_P_2021_1 = TemplateSpec(
    collection_code="MHWF-P",
    version="2021.1",
    title="Mental health workforce plan 2021/22: provider",
    sheets=(
        GridSheet(
            name="MH workforce",
            title="Mental health workforce in post (WTE)",
            measures=MH_STAFF,
            periods=MONTHS_2122,
            baseline_label="Mar-20 baseline",
            sums=MH_STAFF_SUMS,
        ),
    ),
    instructions=MH_INSTRUCTIONS,
    changes="First issue.",
)
MHWF_S_2021_1 = TemplateSpec(
    collection_code="MHWF-S",
    version="2021.1",
    title="Mental health workforce plan 2021/22: system",
    sheets=(
        GridSheet(
            name="MH workforce",
            title="Mental health workforce (WTE): system total, then each provider",
            measures=MH_STAFF,
            periods=MONTHS_2122,
            baseline_label="Mar-20 baseline",
            member_kinds=("provider",),
            total_of=("provider",),
            total_rule="MHWF.SYS.001",
            sums=MH_STAFF_SUMS,
        ),
    ),
    instructions=MH_INSTRUCTIONS
    + ("The first block is the system total; it must equal the sum of the providers.",),
    changes="First issue.",
)

INCOME_EXPENDITURE = (
    _money("INC-CCG", "Income from commissioners (CCGs and NHS England)"),
    _money("INC-ERF", "Elective Recovery Fund income"),
    _money("INC-COVID", "COVID-19 top-up and fixed allocation income"),
    _money("INC-OTH", "Other operating income"),
    _money("INC-TOT", "Total income"),
    _money("EXP-PAY", "Pay: substantive staff"),
    _money("EXP-BANK", "Pay: bank staff"),
    _money("EXP-AGENCY", "Pay: agency staff"),
    _money("EXP-DRUGS", "Drugs"),
    _money("EXP-CLIN", "Clinical supplies and services"),
    _money("EXP-OTH", "Other non-pay expenditure"),
    _money("EXP-TOT", "Total expenditure"),
    _money("NET", "Surplus / (deficit)", "gbp_k_signed"),
)


def _ie_sums(prefix: str) -> tuple[SumRule, ...]:
    return (
        SumRule(f"{prefix}.SUM.001", "INC-TOT", ("INC-CCG", "INC-ERF", "INC-COVID", "INC-OTH")),
        SumRule(
            f"{prefix}.SUM.002",
            "EXP-TOT",
            ("EXP-PAY", "EXP-BANK", "EXP-AGENCY", "EXP-DRUGS", "EXP-CLIN", "EXP-OTH"),
        ),
        SumRule(f"{prefix}.SUM.003", "NET", ("INC-TOT",), minus=("EXP-TOT",)),
    )


FIN_SYS_2021_1 = TemplateSpec(
    collection_code="FIN-SYS",
    version="2021.1",
    title="System financial plan, H1 2021/22",
    sheets=(
        GridSheet(
            name="Income and expenditure",
            title="H1 income and expenditure (£000): system total, then each provider and CCG",
            measures=INCOME_EXPENDITURE,
            periods=H1_2122,
            baseline_label="2019/20 H1 outturn",
            member_kinds=("provider", "ccg"),
            total_of=("provider", "ccg"),
            total_rule="FIN-SYS.SYS.001",
            sums=_ie_sums("FIN-SYS"),
        ),
        GridSheet(
            name="Capital",
            title="H1 capital expenditure against the system envelope (£000)",
            measures=(
                _money("CAP-ENV", "Schemes within the system capital envelope"),
                _money("CAP-ERF", "Elective recovery and diagnostics capital"),
                _money("CAP-NAT", "National programmes (PDC funded)"),
                _money("CAP-TOT", "Capital expenditure: total"),
            ),
            periods=H1_2122,
            baseline_label="",
            sums=(SumRule("FIN-SYS.SUM.004", "CAP-TOT", ("CAP-ENV", "CAP-ERF", "CAP-NAT")),),
        ),
    ),
    instructions=(
        "Figures in £000 for each month of the first half of 2021/22 (April to September).",
        "Total income and total expenditure must equal the sum of their lines; surplus = income - expenditure.",
        "The system total block must equal the sum of every provider and CCG block.",
        "Submit with all validation errors cleared (2021/22 implementation guidance, section 6.3).",
    ),
    changes="First issue.",
)

MH_SPEND = (
    _money("MHS-CYP", "Children and young people's mental health"),
    _money("MHS-ADULT", "Adult and older adult community mental health"),
    _money("MHS-CRISIS", "Crisis and acute alternatives"),
    _money("MHS-IAPT", "Improving Access to Psychological Therapies"),
    _money("MHS-SMI", "Physical health of people with severe mental illness"),
    _money("MHS-LDA", "Learning disability and autism"),
    _money("MHS-OAP", "Out-of-area placements"),
    _money("MHS-TOT", "Mental Health Investment Standard spend: total"),
)
FIN_MH_2021_1 = TemplateSpec(
    collection_code="FIN-MH",
    version="2021.1",
    title="Mental health financial plan, H1 2021/22",
    sheets=(
        GridSheet(
            name="MH spend",
            title="Mental health spend (£000): system total, then each CCG",
            measures=MH_SPEND,
            periods=H1_2122,
            baseline_label="2019/20 H1 outturn",
            member_kinds=("ccg",),
            total_of=("ccg",),
            total_rule="FIN-MH.SYS.001",
            sums=(SumRule("FIN-MH.SUM.001", "MHS-TOT", tuple(m.code for m in MH_SPEND[:-1])),),
        ),
    ),
    instructions=(
        "Submitted by the lead CCG on the system's behalf; figures in £000, April to September 2021.",
        "The total must equal the sum of the service lines; the system block must equal the sum of the CCGs.",
    ),
    changes="First issue.",
)

PCC_2021_1 = TemplateSpec(
    collection_code="PCC",
    version="2021.1",
    title="Provider capital and cash plan 2021/22",
    sheets=(
        GridSheet(
            name="Capital",
            title="Capital expenditure (£000) by month",
            measures=(
                _money("CAP-INT", "Internally generated (depreciation funded)"),
                _money("CAP-PDC", "Public dividend capital"),
                _money("CAP-LEASE", "New leases"),
                _money("CAP-DISP", "Disposals"),
                _money("CAP-NET", "Net capital expenditure", "gbp_k_signed"),
            ),
            periods=MONTHS_2122,
            baseline_label="2020/21 forecast outturn",
            sums=(
                SumRule(
                    "PCC.SUM.001",
                    "CAP-NET",
                    ("CAP-INT", "CAP-PDC", "CAP-LEASE"),
                    minus=("CAP-DISP",),
                ),
            ),
        ),
        GridSheet(
            name="Cash",
            title="Cash flow (£000) by month",
            measures=(
                _money("CASH-OPEN", "Opening cash balance"),
                _money("CASH-IN", "Cash receipts"),
                _money("CASH-OUT", "Cash payments"),
                _money("CASH-CLOSE", "Closing cash balance", "gbp_k_signed"),
            ),
            periods=MONTHS_2122,
            baseline_label="2020/21 forecast outturn",
            sums=(
                SumRule("PCC.SUM.002", "CASH-CLOSE", ("CASH-OPEN", "CASH-IN"), minus=("CASH-OUT",)),
            ),
        ),
    ),
    instructions=(
        "Figures in £000 for each month of 2021/22; issued 22 March 2021 (2021/22 implementation guidance, section 6.3).",
        "Net capital = internally generated + PDC + leases - disposals; closing cash = opening + receipts - "
        "payments.",
    ),
    changes="First issue.",
)

PIE_2021_1 = TemplateSpec(
    collection_code="PIE",
    version="2021.1",
    title="Provider income and expenditure plan, H1 2021/22",
    sheets=(
        GridSheet(
            name="Income and expenditure",
            title="H1 income and expenditure (£000)",
            measures=INCOME_EXPENDITURE,
            periods=H1_2122,
            baseline_label="2019/20 H1 outturn",
            sums=_ie_sums("PIE"),
        ),
    ),
    instructions=(
        "Phase the provider's agreed H1 plan by month, April to September 2021, in £000.",
        "Total income and expenditure must equal the sum of their lines; surplus = income - expenditure.",
    ),
    changes="First issue.",
)

OCKENDEN_ACTIONS = (
    ("IEA-1", "Enhanced safety: safety in maternity units across the LMS"),
    ("IEA-2", "Listening to women and families"),
    ("IEA-3", "Staff training and working together"),
    ("IEA-4", "Managing complex pregnancy"),
    ("IEA-5", "Risk assessment throughout pregnancy"),
    ("IEA-6", "Monitoring fetal wellbeing"),
    ("IEA-7", "Informed consent"),
)
MAT_2021_1 = TemplateSpec(
    collection_code="MAT",
    version="2021.1",
    title="Ockenden actions and Birth-rate Plus position and plan",
    sheets=(
        TableSheet(
            name="Ockenden",
            title="The seven immediate and essential actions of the Ockenden report: position and plan",
            label_header="Immediate and essential action",
            rows=tuple(TableRow(code, label) for code, label in OCKENDEN_ACTIONS),
            columns=(
                TableColumn("Status", "choice", choices=("Not started", "In progress", "Complete")),
                TableColumn("RAG", "choice", choices=("Red", "Amber", "Green")),
                TableColumn("Actions and evidence", "text"),
            ),
        ),
        GridSheet(
            name="Birth-rate Plus",
            title="Midwifery workforce against the Birth-rate Plus assessment (WTE)",
            measures=(
                Measure("BRP-REQ", "Midwives required by the Birth-rate Plus assessment", "wte"),
                Measure("BRP-FUND", "Funded midwifery establishment", "wte"),
                Measure("BRP-INPOST", "Midwives in post", "wte"),
                Measure(
                    "BRP-COC",
                    "Women placed on a continuity of carer pathway",
                    "percent",
                    floor=35,
                    floor_reason="the guidance asks for continuity of carer for at least 35%",
                ),
            ),
            periods=("Jun-21", "Sep-21", "Dec-21", "Mar-22"),
            baseline_label="Mar-21 position",
        ),
    ),
    instructions=(
        "Set out the current position and plan for the seven Ockenden immediate and essential actions and for "
        "Birth-rate Plus, by 6 May 2021 (2021/22 implementation guidance, section 5).",
        "Choose a status and a RAG rating for each action, and describe the actions and the evidence.",
        "Providers submitting their own return need their system's endorsement.",
    ),
    changes="First issue.",
)

CA_2021_1 = TemplateSpec(
    collection_code="CA",
    version="2021.1",
    title="Cancer Alliance delivery plan, April to September 2021",
    sheets=(
        GridSheet(
            name="Cancer",
            title="Cancer recovery across the Alliance",
            measures=(
                _activity("CA-2WW", "Urgent suspected cancer referrals seen"),
                _activity("CA-FT", "Cancer first definitive treatments"),
                _unbanded("CA-62", "Patients waiting more than 62 days on a cancer pathway"),
                Measure(
                    "CA-FDS",
                    "Faster Diagnosis Standard: diagnosed or ruled out within 28 days",
                    "percent",
                ),
                _unbanded("CA-RDC", "Patients seen on Rapid Diagnostic Centre pathways"),
                _unbanded("CA-CCE", "Colon capsule endoscopies"),
            ),
            periods=H1_2122,
        ),
    ),
    instructions=(
        "Plan each month from April to September 2021 against the 2019/20 baseline.",
        "Return the number waiting over 62 days to the February 2020 level; the Faster Diagnosis Standard "
        "starts at 75% from Q3 (2021/22 priorities and operational planning guidance).",
    ),
    changes="First issue.",
)

SPECS: dict[str, tuple[TemplateSpec, ...]] = {
    "PCC": (PCC_2021_1,),
    "FIN-SYS": (FIN_SYS_2021_1,),
    "FIN-MH": (FIN_MH_2021_1,),
    "ACT": (ACT_2021_1, ACT_2021_2),
    "WF": (WF_2021_1,),
    "MHWF-P": (MHWF_P_2021_1,),
    "MHWF-S": (MHWF_S_2021_1,),
    "MAT": (MAT_2021_1,),
    "PIE": (PIE_2021_1,),
    "CA": (CA_2021_1,),
}
