::core::compile_error! {
    "unknown column attribute `primry_key`; did you mean `primary_key`?"
}
const _: () = {
    #[automatically_derived]
    impl ::orm_core::__private::Model for Invalid {
        fn meta() -> &'static ::orm_core::__private::ModelMeta {
            unimplemented!()
        }
        fn column_value(
            &self,
            _: usize,
        ) -> ::orm_core::__private::Result<::orm_core::__private::Value> {
            unimplemented!()
        }
        fn set_column_value(
            &mut self,
            _: usize,
            _: ::orm_core::__private::Value,
        ) -> ::orm_core::__private::Result<()> {
            unimplemented!()
        }
        fn from_values(
            _: ::std::vec::Vec<::orm_core::__private::Value>,
        ) -> ::orm_core::__private::Result<Self> {
            unimplemented!()
        }
        fn relationship(
            &self,
            _: usize,
        ) -> ::std::option::Option<
            &(dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            unimplemented!()
        }
        fn relationship_mut(
            &mut self,
            _: usize,
        ) -> ::std::option::Option<
            &mut (dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            unimplemented!()
        }
    }
};
