"""The few interface strings web itself writes (everything else is content from the api).

Content languages come from the api, so Django's gettext catalogues are not
used; a site adds or changes strings by updating `STRINGS` from its settings
module or an AppConfig.ready().
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "menu": "Main menu",
        "languages": "Language",
        "breadcrumbs": "Breadcrumb",
        "home": "Home",
        "partners": "Partners",
        "footer_menu": "Footer",
        "in_this_section": "In this section",
        "contact": "Contact",
        "name": "Name",
        "email": "Email",
        "subject": "Subject (optional)",
        "message": "Message",
        "send": "Send",
        "sent": "Thank you, your message has been sent.",
        "form_errors": "Please correct the errors below.",
        "throttled": "Too many messages from you right now. Please try again later.",
        "not_found_title": "Page not found",
        "not_found_text": "The page you are looking for does not exist or has moved.",
        "unavailable_title": "Temporarily unavailable",
        "unavailable_text": "This site is busy or under maintenance. Please try again in a moment.",
        "maintenance_title": "Down for maintenance",
        "maintenance_text": "This site is being updated. Please try again in a few minutes.",
        "suspended_title": "Site unavailable",
        "suspended_text": "This site is currently unavailable.",
        "forbidden_title": "Request refused",
        "forbidden_text": "Your form session expired. Please reload the page and try again.",
        "preview": "Preview of a draft: not published yet.",
        "back_home": "Back to the home page",
        "video": "Video",
        "play_video": "Play video",
        "video_notice": "Playing loads the video from its host, which may set cookies.",
        "search": "Search",
        "search_label": "Search this site",
        "search_results": "Results for “%s”",
        "search_count": "%s pages found",
        "search_count_one": "%s page found",  # languages without it use search_count
        "search_count_more": "More than %s pages found",  # the api's count is capped
        "search_none": "No page matches your search.",
        "search_try_home": "Try other words, or start again from the home page.",
        "search_prompt": "Type one or more words to find pages of this site.",
        "search_pages": "Search result pages",
        "search_page_of": "Page %s of %s",
        "previous": "Previous",
        "next": "Next",
    },
    "ar": {
        "skip": "انتقل إلى المحتوى",
        "menu": "القائمة الرئيسية",
        "languages": "اللغة",
        "breadcrumbs": "مسار التنقل",
        "home": "الرئيسية",
        "partners": "الشركاء",
        "footer_menu": "التذييل",
        "in_this_section": "في هذا القسم",
        "contact": "اتصل بنا",
        "name": "الاسم",
        "email": "البريد الإلكتروني",
        "subject": "الموضوع (اختياري)",
        "message": "الرسالة",
        "send": "إرسال",
        "sent": "شكرًا لك، تم إرسال رسالتك.",
        "form_errors": "يرجى تصحيح الأخطاء أدناه.",
        "throttled": "رسائل كثيرة منك الآن. يرجى المحاولة لاحقًا.",
        "not_found_title": "الصفحة غير موجودة",
        "not_found_text": "الصفحة التي تبحث عنها غير موجودة أو تم نقلها.",
        "unavailable_title": "غير متاح مؤقتًا",
        "unavailable_text": "الموقع مشغول أو قيد الصيانة. يرجى المحاولة بعد قليل.",
        "maintenance_title": "الموقع قيد الصيانة",
        "maintenance_text": "يجري تحديث الموقع. يرجى المحاولة بعد بضع دقائق.",
        "suspended_title": "الموقع غير متاح",
        "suspended_text": "هذا الموقع غير متاح حاليًا.",
        "forbidden_title": "تم رفض الطلب",
        "forbidden_text": "انتهت صلاحية النموذج. يرجى إعادة تحميل الصفحة والمحاولة مرة أخرى.",
        "preview": "معاينة مسودة: لم تُنشر بعد.",
        "back_home": "العودة إلى الصفحة الرئيسية",
        "video": "فيديو",
        "play_video": "تشغيل الفيديو",
        "video_notice": "يؤدي التشغيل إلى تحميل الفيديو من مصدره، وقد يضع ملفات تعريف الارتباط.",
        "search": "بحث",
        "search_label": "ابحث في هذا الموقع",
        "search_results": "نتائج البحث عن «%s»",
        "search_count": "عدد الصفحات: %s",
        "search_count_more": "عدد الصفحات: أكثر من %s",
        "search_none": "لا توجد صفحة تطابق بحثك.",
        "search_try_home": "جرّب كلمات أخرى، أو ابدأ من جديد من الصفحة الرئيسية.",
        "search_prompt": "اكتب كلمة أو أكثر للعثور على صفحات هذا الموقع.",
        "search_pages": "صفحات نتائج البحث",
        "search_page_of": "الصفحة %s من %s",
        "previous": "السابق",
        "next": "التالي",
    },
}


def count_text(key: str, language: str, count: int) -> str:
    """``key`` with ``count`` filled in; for 1, ``<key>_one`` where the language has it."""
    one = f"{key}_one"
    own = STRINGS.get(language, STRINGS.get(language.split("-")[0], {}))
    chosen = one if count == 1 and (one in own or key not in own) else key
    return text(chosen, language) % count


def text(key: str, language: str) -> str:
    """The string in `language`, else English, else the key itself."""
    for code in (language, language.split("-")[0], "en"):
        if key in STRINGS.get(code, {}):
            return STRINGS[code][key]
    return key
