"""Name lists for synthetic people: common first and family names only, never a list of
real individuals. Arabic names carry their Arabic script and Latin spellings by habit:
`en` (English and international), `fr` (French), `de` (German)."""

from __future__ import annotations

from typing import NamedTuple


class ArabicName(NamedTuple):
    arabic: str
    en: tuple[str, ...]
    fr: tuple[str, ...]
    de: tuple[str, ...]


def _n(arabic: str, en: str, fr: str, de: str) -> ArabicName:
    return ArabicName(arabic, tuple(en.split("|")), tuple(fr.split("|")), tuple(de.split("|")))


MALE_ARABIC = (
    _n("محمد", "Mohammed|Muhammad|Mohammad", "Mohamed|Mohammed|Mouhamed", "Mohammed|Mohamed"),
    _n("أحمد", "Ahmed|Ahmad", "Ahmed", "Ahmed|Ahmad"),
    _n("يوسف", "Yusuf|Yousef", "Youssef|Youcef", "Jussuf|Yusuf"),
    _n("عبد القادر", "Abd al-Qadir|Abdulkadir", "Abdelkader|Abdel Kader", "Abdelkader"),
    _n("عبد الله", "Abdullah|Abd Allah", "Abdallah|Abdellah", "Abdullah"),
    _n("عبد الرحمن", "Abdul Rahman|Abdurrahman", "Abderrahmane", "Abdurrahman"),
    _n("علي", "Ali", "Ali", "Ali"),
    _n("عمر", "Omar|Umar", "Omar", "Omar"),
    _n("خالد", "Khalid|Khaled", "Khaled", "Khaled|Chaled"),
    _n("حمزة", "Hamza|Hamzah", "Hamza", "Hamza"),
    _n("بلال", "Bilal", "Bilal|Bilel", "Bilal"),
    _n("ياسين", "Yasin|Yaseen", "Yassine|Yacine", "Yasin"),
    _n("كريم", "Karim|Kareem", "Karim", "Karim"),
    _n("حسن", "Hassan|Hasan", "Hassan", "Hassan"),
    _n("حسين", "Hussein|Hussain", "Houssein|Hussein", "Hussein"),
    _n("مصطفى", "Mustafa|Mostafa", "Moustapha|Mustapha", "Mustafa"),
    _n("إبراهيم", "Ibrahim", "Ibrahim", "Ibrahim"),
    _n("سمير", "Samir|Sameer", "Samir", "Samir"),
    _n("جمال", "Jamal", "Djamel|Jamel", "Dschamal|Jamal"),
    _n("وليد", "Walid", "Oualid|Walid", "Walid"),
    _n("محمود", "Mahmoud|Mahmud", "Mahmoud", "Mahmud"),
    _n("أيوب", "Ayoub|Ayub", "Ayoub", "Ayub"),
    _n("طارق", "Tariq|Tarek", "Tarek", "Tarik"),
    _n("سفيان", "Sufyan", "Soufiane|Sofiane", "Sufjan"),
)
FEMALE_ARABIC = (
    _n("فاطمة", "Fatima|Fatimah", "Fatima|Fatma", "Fatima"),
    _n("مريم", "Maryam|Mariam", "Meriem|Mariam", "Marjam|Mariam"),
    _n("عائشة", "Aisha|Ayesha", "Aicha", "Aischa"),
    _n("خديجة", "Khadija|Khadijah", "Khadija", "Chadidscha|Khadija"),
    _n("أمينة", "Amina|Aminah", "Amina", "Amina"),
    _n("كريمة", "Karima|Kareema", "Karima", "Karima"),
    _n("نادية", "Nadia|Nadya", "Nadia", "Nadja"),
    _n("ياسمين", "Yasmin|Yasmeen", "Yasmine", "Jasmin"),
    _n("سارة", "Sarah|Sara", "Sarah", "Sara"),
    _n("زينب", "Zainab|Zaynab", "Zeineb|Zineb", "Zainab"),
    _n("ليلى", "Layla|Leila", "Leila|Leyla", "Leila"),
    _n("سمية", "Sumaya|Sumayyah", "Soumaya|Soumia", "Sumaja"),
)
FAMILY_ARABIC = (
    _n("بن علي", "Bin Ali|Ben Ali", "Benali|Ben Ali", "Benali"),
    _n("حداد", "Haddad", "Haddad", "Haddad"),
    _n("منصور", "Mansour|Mansur", "Mansour", "Mansur"),
    _n("بلقاسم", "Belkacem|Belqasim", "Belkacem", "Belkacem"),
    _n("السعيدي", "Saidi|al-Saidi", "Saidi|Essaidi", "Saidi"),
    _n("العمراني", "Amrani|al-Amrani", "Amrani|El Amrani", "Amrani"),
    _n("بوزيد", "Bouzid|Buzaid", "Bouzid", "Bouzid"),
    _n("الشريف", "Sharif|al-Sharif", "Cherif|Chérif", "Scharif|Sharif"),
    _n("خليل", "Khalil", "Khalil", "Chalil|Khalil"),
    _n("يوسف", "Yusuf|Yousef", "Youssef", "Jussuf|Youssef"),
    _n("ناصر", "Nasser|Nasir", "Nasser", "Nasser"),
    _n("الرحماني", "Rahmani", "Rahmani|Errahmani", "Rahmani"),
    _n("السليماني", "Slimani|Sulaymani", "Slimani", "Slimani"),
    _n("إبراهيمي", "Ibrahimi", "Ibrahimi", "Ibrahimi"),
    _n("بن يوسف", "Bin Yusuf|Ben Youssef", "Benyoussef|Ben Youssef", "Benjussuf|Ben Youssef"),
    _n("حمدي", "Hamdi", "Hamdi", "Hamdi"),
    _n("شكري", "Shukri", "Choukri", "Schukri"),
    _n("الزياني", "Ziani|al-Ziani", "Ziani", "Ziani"),
)
# Western names of converts, by nationality.
WESTERN_MALE = {
    "FRA": ("Nicolas", "Julien", "Thomas", "Romain", "Kevin", "Maxime", "Jérôme", "Sébastien"),
    "DEU": ("Lukas", "Jonas", "Stefan", "Dennis", "Florian", "Marcel", "Sven", "Jürgen"),
    "GBR": ("James", "Daniel", "Thomas", "Jack", "Ryan", "Liam", "Connor", "Matthew"),
    "USA": ("John", "Michael", "David", "Tyler", "Brandon", "Joshua", "Justin", "Zachary"),
    "CAN": ("Alexandre", "Mathieu", "Ryan", "Tyler", "Justin", "Étienne", "Dylan", "Nathan"),
}
WESTERN_FEMALE = {
    "FRA": ("Émilie", "Camille", "Laura", "Marine", "Sophie", "Céline"),
    "DEU": ("Anna", "Julia", "Lena", "Sabrina", "Jessica", "Katharina"),
    "GBR": ("Emma", "Sophie", "Hannah", "Chloe", "Lauren", "Megan"),
    "USA": ("Ashley", "Jessica", "Emily", "Samantha", "Brittany", "Megan"),
    "CAN": ("Émilie", "Chloé", "Sarah", "Megan", "Julie", "Amélie"),
}
WESTERN_FAMILY = {
    "FRA": ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Girard"),
    "DEU": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann"),
    "GBR": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Evans", "Walker", "Wright"),
    "USA": ("Johnson", "Miller", "Davis", "Wilson", "Anderson", "Moore", "Jackson", "Harris"),
    "CAN": ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie"),
}
# Cities of birth by nationality, as `tables.PLACES` keys; family reports may use another
# language's name of the city.
CITIES = {
    "FRA": ("paris", "marseille", "lyon", "toulouse", "nice", "lille", "roubaix", "strasbourg"),
    "DEU": ("berlin", "hamburg", "munich", "cologne", "frankfurt", "dusseldorf", "bonn"),
    "GBR": ("london", "birmingham", "manchester", "cardiff", "portsmouth", "luton", "leeds"),
    "USA": ("minneapolis", "new york", "chicago", "houston", "seattle"),
    "CAN": ("toronto", "montreal", "calgary", "ottawa"),
}
HABIT = {"FRA": "fr", "DEU": "de", "GBR": "en", "USA": "en", "CAN": "fr"}
NISBA_SPELLINGS = {
    "FRA": ("al-Faransi", "al-Fransi", "el-Faransi", "الفرنسي"),
    "DEU": ("al-Almani", "el-Almani", "al-Almaani", "الألماني"),
    "GBR": ("al-Britani", "al-Baritani", "al-Inglizi", "البريطاني"),
    "USA": ("al-Amriki", "al-Amreeki", "el-Amriki", "الأمريكي"),
    "CAN": ("al-Kanadi", "al-Canadi", "el-Kanadi", "الكندي"),
}
NISBA_SPELLINGS_FEMININE = {
    "FRA": ("al-Faransiya", "al-Fransiya", "الفرنسية"),
    "DEU": ("al-Almaniya", "el-Almaniya", "الألمانية"),
    "GBR": ("al-Britaniya", "البريطانية"),
    "USA": ("al-Amrikiya", "الأمريكية"),
    "CAN": ("al-Kanadiya", "الكندية"),
}
ROLE_WORDS = {
    "FRA": "the Frenchman",
    "DEU": "the German",
    "GBR": "the Briton",
    "USA": "the American",
    "CAN": "the Canadian",
}
STREETS = (
    "rue de la Paix",
    "Hauptstraße",
    "High Street",
    "Main Street",
    "rue Principale",
    "Bahnhofstraße",
    "Church Road",
)
