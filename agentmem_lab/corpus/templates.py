"""The synthetic corpus's word lists and sentence templates (10 English, 4 Chinese):
preferences, facts, events and tasks, filled from a seeded random source.
"""

from __future__ import annotations

import random
from typing import Any

_NAMES = [
    "Alice",
    "Bob",
    "Chen Wei",
    "Dana",
    "Emeka",
    "Farah",
    "Goro",
    "Hana",
    "Ivan",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
]


_ZH_NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴婷",
    "徐明",
    "孙丽",
    "马超",
    "朱琳",
    "胡军",
    "郭燕",
    "何平",
    "高翔",
    "林峰",
    "罗霞",
]


_FOODS = [
    "ramen",
    "sushi",
    "tacos",
    "dumplings",
    "pho",
    "lasagna",
    "falafel",
    "paella",
    "kimchi stew",
    "pad thai",
    "croissants",
    "oatmeal",
    "green curry",
    "bibimbap",
    "mapo tofu",
    "risotto",
    "shakshuka",
    "pierogi",
    "ceviche",
    "biryani",
]


_ZH_FOODS = [
    "火锅",
    "饺子",
    "拉面",
    "小笼包",
    "烤鸭",
    "麻婆豆腐",
    "宫保鸡丁",
    "寿司",
    "炒饭",
    "粥",
    "煎饼",
    "凉皮",
    "酸菜鱼",
    "肠粉",
    "螺蛳粉",
    "红烧肉",
]


_DRINKS = [
    "black coffee",
    "oat latte",
    "green tea",
    "sparkling water",
    "chai",
    "espresso",
    "matcha",
    "hot chocolate",
    "jasmine tea",
    "orange juice",
]


_CITIES = [
    "Berlin",
    "Shanghai",
    "Lagos",
    "Lima",
    "Osaka",
    "Toronto",
    "Nairobi",
    "Lisbon",
    "Chengdu",
    "Austin",
    "Hanoi",
    "Oslo",
    "Seoul",
    "Bogota",
    "Cairo",
    "Melbourne",
    "Mumbai",
    "Prague",
    "Denver",
    "Taipei",
]


_ZH_CITIES = [
    "北京",
    "上海",
    "深圳",
    "杭州",
    "成都",
    "西安",
    "南京",
    "武汉",
    "重庆",
    "广州",
    "苏州",
    "厦门",
    "青岛",
    "长沙",
    "昆明",
]


_TOPICS = [
    "the Q3 roadmap",
    "the database migration",
    "the onboarding flow",
    "the API rate limits",
    "the billing bug",
    "the mobile release",
    "the security audit",
    "the hiring plan",
    "the vector index rebuild",
    "the latency regression",
    "the search ranking",
    "the offsite agenda",
    "the budget review",
    "the customer churn report",
]


_ZH_TOPICS = [
    "季度规划",
    "数据库迁移",
    "新版上线",
    "安全审计",
    "招聘计划",
    "预算评审",
    "性能优化",
    "客户反馈",
    "接口限流",
    "向量索引重建",
]


_HOBBIES = [
    "bouldering",
    "watercolor painting",
    "trail running",
    "chess",
    "sourdough baking",
    "birdwatching",
    "salsa dancing",
    "woodworking",
    "cycling",
    "origami",
    "jazz piano",
    "kayaking",
    "pottery",
    "astronomy",
]


_ZH_HOBBIES = ["书法", "爬山", "游泳", "摄影", "下棋", "弹吉他", "跑步", "画画", "钓鱼", "瑜伽"]


_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


_ZH_WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


_TOOLS = ["Neovim", "VS Code", "Emacs", "PyCharm", "Zed", "Sublime Text"]


_PETS = ["a beagle", "two cats", "a parrot", "a rabbit", "a golden retriever", "three goldfish"]


_ZH_PETS = ["一只猫", "两只狗", "一只鹦鹉", "一只兔子", "几条金鱼"]


_ALLERGIES = ["peanuts", "shellfish", "gluten", "lactose", "pollen", "penicillin"]


def _time(r: random.Random) -> str:
    return f"{r.randint(6, 21)}:{r.choice(['00', '15', '30', '45'])}"


def _date(r: random.Random) -> str:
    return f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _zh_date(r: random.Random) -> str:
    return f"{r.randint(1, 12)}月{r.randint(1, 28)}日"


# (category, language, template builder). Each builder draws from several slots and a
# number, so the space of distinct texts is far larger than any run.
TEMPLATES: list[tuple[str, str, Any]] = [
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} prefers {r.choice(_DRINKS)} in the morning and {r.choice(_FOODS)} for lunch on {r.choice(_WEEKDAYS)}s."
        ),
    ),
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} likes {r.choice(_HOBBIES)} and wants reminders before {_time(r)} in {r.choice(_CITIES)}."
        ),
    ),
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} uses {r.choice(_TOOLS)} with a font size of {r.randint(10, 22)} and dislikes {r.choice(_FOODS)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} lives in {r.choice(_CITIES)}, has {r.choice(_PETS)} and is allergic to {r.choice(_ALLERGIES)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} has worked on {r.choice(_TOPICS)} for {r.randint(2, 40)} weeks with {r.choice(_NAMES)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)}'s flat in {r.choice(_CITIES)} is {r.randint(30, 180)} square meters and {r.randint(2, 40)} minutes from work."
        ),
    ),
    (
        "event",
        "en",
        lambda r: (
            f"On {_date(r)} at {_time(r)}, {r.choice(_NAMES)} met {r.choice(_NAMES)} in {r.choice(_CITIES)} to discuss {r.choice(_TOPICS)}."
        ),
    ),
    (
        "event",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} flew to {r.choice(_CITIES)} on {_date(r)} and ate {r.choice(_FOODS)} at the airport."
        ),
    ),
    (
        "task",
        "en",
        lambda r: (
            f"Remind {r.choice(_NAMES)} to review {r.choice(_TOPICS)} by {r.choice(_WEEKDAYS)} {_time(r)}, priority {r.randint(1, 5)}."
        ),
    ),
    (
        "task",
        "en",
        lambda r: (
            f"Book a table for {r.randint(2, 12)} at a {r.choice(_FOODS)} place in {r.choice(_CITIES)} on {_date(r)}."
        ),
    ),
    (
        "preference",
        "zh",
        lambda r: (
            f"{r.choice(_ZH_NAMES)}喜欢在{r.choice(_ZH_WEEKDAYS)}吃{r.choice(_ZH_FOODS)}，不喜欢{r.choice(_ZH_FOODS)}，偏好{r.choice(_ZH_HOBBIES)}。"
        ),
    ),
    (
        "fact",
        "zh",
        lambda r: (
            f"{r.choice(_ZH_NAMES)}住在{r.choice(_ZH_CITIES)}，养了{r.choice(_ZH_PETS)}，每天通勤{r.randint(5, 90)}分钟。"
        ),
    ),
    (
        "event",
        "zh",
        lambda r: (
            f"{_zh_date(r)}{r.randint(6, 21)}点，{r.choice(_ZH_NAMES)}和{r.choice(_ZH_NAMES)}在{r.choice(_ZH_CITIES)}讨论了{r.choice(_ZH_TOPICS)}。"
        ),
    ),
    (
        "task",
        "zh",
        lambda r: (
            f"提醒{r.choice(_ZH_NAMES)}在{r.choice(_ZH_WEEKDAYS)}前完成{r.choice(_ZH_TOPICS)}，优先级{r.randint(1, 5)}，预计{r.randint(1, 20)}小时。"
        ),
    ),
]
